"""`make demo`'s path on the embedded default: SQLite, no broker, the local model.

Runs `migrate` and `setup_demo` as `make demo` does, in subprocesses on a fresh SQLite file,
then logs in to the admin with the printed credentials.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from comments.ingestion.readers import read_items

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = ROOT / "insights" / "demo" / "comentarios_demo.csv"

pytestmark = pytest.mark.e2e  # eight manage.py processes

CHECK_SCRIPT = """
import json
from django.test import Client
from comments.models import Comment
client = Client()
login = client.post("/admin/login/?next=/admin/", {"username": EMAIL, "password": PASSWORD})
listing = client.get("/admin/comments/comment/")
statuses = {}
for status in Comment.objects.values_list("status", flat=True):
    statuses[status] = statuses.get(status, 0) + 1
print(json.dumps({"login": login.status_code, "redirect": login.get("Location"),
                  "listing": listing.status_code, "statuses": statuses}))
"""

RESET_FIVE_TO_PENDING = """
from comments.models import Comment
ids = list(Comment.objects.values_list("pk", flat=True)[:5])
Comment.objects.filter(pk__in=ids).update(status="PENDENTE", category=None, confidence=None)
"""


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory, local_model_ready) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("demo")
    # The run's model, already built for the current corpus (test_training proves a missing
    # artifact is built on first use): the demo loads it instead of training it again.
    shutil.copytree(settings.MODEL_DIR, tmp / "models", ignore=shutil.ignore_patterns(".*"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite3'}",
        MODEL_DIR=str(tmp / "models"),
        # Empty, not absent: a developer's .env must not point the demo at a broker.
        CELERY_BROKER_URL="",
        REDIS_URL="",
        GOOGLE_API_KEY="",
        DEMO_CURATOR_PASSWORD="",
        DEMO_CURATOR_EMAIL="curadoria@alumusic.local",
    )
    migrate = _manage("migrate", "--noinput", env=env)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


@pytest.fixture(scope="module")
def demo_rows() -> int:
    with DEMO_FILE.open("rb") as file:
        return sum(1 for _ in read_items(file, filename=DEMO_FILE.name))


@pytest.fixture(scope="module")
def first_run(demo_env) -> subprocess.CompletedProcess[str]:
    return _manage("setup_demo", env=demo_env)


def _check(env: dict[str, str], email: str, password: str) -> dict:
    script = f"EMAIL = {email!r}\nPASSWORD = {password!r}\n{CHECK_SCRIPT}"
    result = _manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_setup_demo_prints_the_address_and_the_new_curators_credentials(first_run, demo_rows):
    assert demo_rows >= 300
    assert first_run.returncode == 0, first_run.stderr[-3000:]
    assert "http://127.0.0.1:8000/admin/" in first_run.stdout
    assert "E-mail:  curadoria@alumusic.local" in first_run.stdout
    assert re.search(r"Senha:\s+\S{12,}", first_run.stdout)
    assert f"{demo_rows} novos" in first_run.stdout


def test_the_printed_login_opens_the_admin_and_every_demo_comment_is_classified(
    demo_env, first_run, demo_rows
):
    password = re.search(r"Senha:\s+(\S+)", first_run.stdout).group(1)

    state = _check(demo_env, "curadoria@alumusic.local", password)

    assert state["login"] == 302
    assert state["redirect"] == "/admin/"
    assert state["listing"] == 200
    assert state["statuses"] == {"CONCLUIDO": demo_rows}


def test_running_setup_demo_again_keeps_the_password_and_loads_nothing_twice(
    demo_env, first_run, demo_rows
):
    password = re.search(r"Senha:\s+(\S+)", first_run.stdout).group(1)
    # As if the first run had stopped before classifying everything.
    reset = _manage("shell", "-c", RESET_FIVE_TO_PENDING, env=demo_env)
    assert reset.returncode == 0, reset.stderr[-3000:]

    second = _manage("setup_demo", env=demo_env)

    assert second.returncode == 0, second.stderr[-3000:]
    assert "A senha existente foi mantida" in second.stdout
    assert "changepassword curadoria@alumusic.local" in second.stdout
    assert f"Os {demo_rows} comentários de demonstração já estão carregados" in second.stdout
    assert "5 comentários ainda pendentes" in second.stdout
    state = _check(demo_env, "curadoria@alumusic.local", password)
    assert state["login"] == 302
    assert state["statuses"] == {"CONCLUIDO": demo_rows}


REPORT_SCRIPT = """
from django.test import Client
html = Client().get("/relatorio/").content.decode()
print(html.count("<svg "), "Relatório público" in html)
"""


def test_refresh_report_builds_the_demo_report_on_sqlite(demo_env, first_run, demo_rows):
    built = _manage("refresh_report", env=demo_env)

    assert built.returncode == 0, built.stderr[-3000:]
    assert f"{demo_rows} comentários, 8 gráficos" in built.stdout
    page = _manage("shell", "-c", REPORT_SCRIPT, env=demo_env)
    assert page.stdout.strip().splitlines()[-1] == "8 True"

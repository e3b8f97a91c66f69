"""`honcho start` with the repo's Procfile on a bare machine: web, worker and beat come up
against the local PostgreSQL and Redis (this run's test database and Redis db, a free port),
answer /healthz and /readyz, classify a posted comment, and all stop on one SIGTERM (issue 11).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import requests
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.factories import ApiClientFactory
from tests.processes import free_port
from tests.worker import ROOT, wait_for
from tests.worker import test_database_url as worker_database_url

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_broker", "local_model_ready")]

HONCHO = Path(sys.executable).with_name("honcho")
# honcho's own lines: "system | web.1 started (pid=123)"; each pid leads a process group.
STARTED = re.compile(r"\|\s*(web|worker|beat)\.1 started \(pid=(\d+)\)")


class Honcho:
    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process, self.log_path = process, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in STARTED.findall(self.log())}


@pytest.fixture
def honcho(transactional_db, tmp_path: Path) -> Iterator[tuple[Honcho, str]]:
    port = free_port()
    env_file = tmp_path / "empty.env"  # a developer's .env must not leak into the test
    env_file.write_text("")
    env = {
        **os.environ,
        "PATH": f"{HONCHO.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "REDIS_URL": settings.REDIS_URL,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "HEARTBEAT_INTERVAL_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "honcho.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(HONCHO), "start", "-f", "Procfile", "-d", str(ROOT), "-e", str(env_file)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    running = Honcho(process, log_path)
    try:
        yield running, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:  # the test failed before stopping it
            for pid in running.pids().values():
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _answers(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except requests.ConnectionError:
        return None


def _group_alive(pgid: int) -> bool:
    """Whether any process of group `pgid` still runs (zombies have exited: not counted)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # the process ended while we looked
        if int(group) == pgid and state != "Z":
            return True
    return False


def test_honcho_starts_web_worker_and_beat_that_classify_a_comment_and_stop_cleanly(honcho):
    running, base = honcho
    token = Token.objects.create(user=ApiClientFactory()).key

    wait_for(lambda: _answers(f"{base}/healthz") == 200, timeout=90, message=running.log())
    wait_for(lambda: _answers(f"{base}/readyz") == 200, timeout=90, message=running.log())
    assert set(running.pids()) == {"web", "worker", "beat"}
    headers = {"Authorization": f"Token {token}"}
    posted = requests.post(
        f"{base}/api/comentarios", json={"texto": "O show de ontem foi incrível!"},
        headers=headers, timeout=30,
    )  # fmt: skip
    assert posted.status_code == 202, posted.text
    [comment_id] = posted.json()["ids_enfileirados"]

    def status() -> str:
        return requests.get(
            f"{base}/api/comentarios/{comment_id}", headers=headers, timeout=10
        ).json()["status"]

    wait_for(lambda: status() == "CONCLUIDO", timeout=90, message=running.log()[-3000:])

    pids = running.pids()
    running.process.send_signal(signal.SIGTERM)
    running.process.wait(timeout=60)
    wait_for(lambda: not any(_group_alive(pgid) for pgid in pids.values()), timeout=30)
    log = running.log()
    for name in ("web", "worker", "beat"):
        assert re.search(rf"{name}\.1 stopped \(rc=", log), log[-3000:]
    assert "Traceback" not in log, log[-5000:]

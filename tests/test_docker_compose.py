"""docker-compose.yml and the Dockerfile match DESIGN §9 (Docker itself cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_process_from_one_image(compose):
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "mailpit", *APP_SERVICES}
    assert {services[name]["image"] for name in APP_SERVICES} == {"alumusic-insights:latest"}


def test_web_worker_and_beat_start_after_a_successful_migration(compose):
    services = compose["services"]

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["web"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["web"]["ports"] == ["8000:8000"]


def test_worker_consumes_every_queue_and_beat_uses_the_database_scheduler(compose):
    worker = " ".join(compose["services"]["worker"]["command"])
    beat = " ".join(compose["services"]["beat"]["command"])

    assert "-Q classify,reports,default" in worker
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_app_services_share_the_production_environment(compose):
    env = compose["services"]["web"]["environment"]

    assert env["DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert "GOOGLE_API_KEY" in env
    # No default secret: compose refuses to start until SECRET_KEY is set.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert all(compose["services"][n]["environment"] == env for n in APP_SERVICES)


def test_databases_and_broker_have_healthchecks(compose):
    services = compose["services"]

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_dockerfile_builds_in_two_stages_and_runs_gunicorn_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert len(re.findall(r"^FROM ", dockerfile, flags=re.MULTILINE)) == 2
    assert re.search(r"^USER app$", dockerfile, flags=re.MULTILINE)
    assert "collectstatic --noinput" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert 'CMD ["gunicorn", "alumusic.wsgi"' in dockerfile


def test_compose_commits_no_secret_and_reads_them_from_the_env_file(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    postgres = compose["services"]["postgres"]["environment"]

    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in compose["services"]["web"]["environment"]["DATABASE_URL"]
    assert "alumusic:alumusic@" not in text
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_web_is_healthy_only_when_ready_and_the_image_checks_liveness(compose):
    web_check = " ".join(compose["services"]["web"]["healthcheck"]["test"])

    assert "/readyz" in web_check
    assert "/healthz" in (ROOT / "Dockerfile").read_text()


def test_workers_are_recycled_by_task_count_and_memory(compose):
    worker = " ".join(compose["services"]["worker"]["command"])

    assert "--max-tasks-per-child=" in worker
    assert "--max-memory-per-child=" in worker


def test_the_procfile_starts_web_worker_and_beat_like_compose(compose):
    lines = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert set(lines) == {"web", "worker", "beat"}
    assert "gunicorn alumusic.wsgi" in lines["web"]
    assert "-Q classify,reports,default" in lines["worker"]
    assert "--max-tasks-per-child=" in lines["worker"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in lines["beat"]

"""/healthz answers while the process lives; /readyz checks database, migrations, Redis and a
fresh worker heartbeat (issue 11)."""

from __future__ import annotations

import pytest
import redis
from django.test import Client

from common.heartbeat import HEARTBEAT_KEY, heartbeat_write
from tests.common.test_fail_open import closed_port

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def no_heartbeat(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(HEARTBEAT_KEY)
    yield
    client.delete(HEARTBEAT_KEY)


def test_healthz_answers_without_touching_dependencies(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.usefixtures("no_heartbeat")
def test_readyz_is_ready_with_a_fresh_heartbeat():
    heartbeat_write(worker="teste")

    response = Client().get("/readyz")

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert set(checks) == {"database", "migrations", "redis", "broker", "worker"}
    assert all(check["ok"] for check in checks.values())


@pytest.mark.usefixtures("no_heartbeat")
def test_readyz_is_unavailable_without_a_worker_heartbeat():
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "detail": "no heartbeat"}


@pytest.mark.usefixtures("no_heartbeat")
def test_readyz_is_unavailable_with_a_stale_heartbeat(settings):
    heartbeat_write(worker="teste")
    settings.HEARTBEAT_MAX_AGE_SECONDS = -1

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert "old" in response.json()["checks"]["worker"]["detail"]


def test_readyz_is_unavailable_when_redis_is_down(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert checks["database"]["ok"] is True

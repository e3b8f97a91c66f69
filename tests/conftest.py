"""Suite-wide fixtures: API clients, a real Celery worker, a clean broker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import ApiClientFactory, CuratorFactory
from tests.locks import file_lock
from tests.plugins.model_prebuild import build_lock_path
from tests.worker import WorkerProcess, purge_broker, start_worker

# A green run must have reported every collected test (xdist workers can be lost).
pytest_plugins = ["tests.plugins.every_test_reported", "tests.plugins.model_prebuild"]


def _redis_db_shifted(url: str, offset: int) -> str:
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db - offset) % 16}"))


def _xdist_worker_own_redis_db() -> None:
    """Under pytest-xdist, worker gwN uses Redis db (configured db - N) % 16 for broker, cache
    and limits: one worker's FLUSHDB must never drop another's messages or counters. The
    worker processes and servers a test starts inherit it (os.environ and these settings);
    pytest-django already gives each xdist worker its own test database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not settings.CELERY_BROKER_URL.startswith("redis"):
        return
    offset = int(worker[2:])
    broker = _redis_db_shifted(settings.CELERY_BROKER_URL, offset)
    redis_url = _redis_db_shifted(settings.REDIS_URL, offset) if settings.REDIS_URL else ""
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"] = broker
    if redis_url:
        settings.REDIS_URL = os.environ["REDIS_URL"] = redis_url
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url}}
    from django.core.cache import caches

    from alumusic.celery import app

    caches.__dict__.pop("settings", None)  # read again on first use, with the new location
    app.conf.broker_url = broker


_xdist_worker_own_redis_db()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Full-strength PBKDF2 costs ~0.5 s per user; tests need a hasher, not its cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_user(db):
    return ApiClientFactory()


@pytest.fixture
def curator(db):
    return CuratorFactory()


@pytest.fixture
def auth_client(client_user) -> APIClient:
    """An API client authenticated as a regular API client account (JWT-equivalent)."""
    client = APIClient()
    client.force_authenticate(client_user)
    return client


@pytest.fixture
def clean_broker() -> Iterator[None]:
    purge_broker()
    yield
    purge_broker()


@pytest.fixture
def celery_worker(transactional_db, clean_broker, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A real `celery worker` process (local backend) on the test database and Redis."""
    worker = start_worker(tmp_path)
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def local_model_ready() -> None:
    """Build (if missing or stale) and load the local model once, before workers start.

    Workers then only load the artifact, instead of each rebuilding it on its first batch.
    """
    from insights.classifiers.local.backend import LocalBackend

    # tests/plugins/model_prebuild.py may be building it under this lock already.
    with file_lock(build_lock_path()):
        assert LocalBackend.shared().model is not None

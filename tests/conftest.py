"""Suite-wide fixtures: API clients, a real Celery worker, a clean broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import ApiClientFactory, CuratorFactory
from tests.worker import WorkerProcess, purge_broker, start_worker


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

    assert LocalBackend.shared().model is not None

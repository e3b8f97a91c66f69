"""With the cache's Redis unreachable, login and ingestion still answer (issue 11)."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from comments.models import Comment
from common.degraded import degraded_counts, degraded_reset
from tests.factories import ApiClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_cache(settings):
    """The default cache points at a Redis that refuses connections."""
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    degraded_reset()
    yield
    degraded_reset()


@pytest.mark.usefixtures("dead_cache")
def test_login_answers_while_the_cache_is_down():
    user = ApiClientFactory()

    response = APIClient().post(
        "/auth/login", {"email": user.email, "password": "senha-Forte-123"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert "access_token" in response.json()
    assert degraded_counts().get("cache.get", 0) >= 1


@pytest.mark.usefixtures("dead_cache")
def test_ingestion_answers_202_and_stores_while_the_cache_is_down():
    client = APIClient()
    client.force_authenticate(ApiClientFactory())

    response = client.post("/api/comentarios", [{"texto": "o show foi lindo"}], format="json")

    assert response.status_code == 202, response.content
    assert Comment.objects.count() == 1


@pytest.mark.usefixtures("dead_cache")
def test_the_cache_reads_as_a_miss_and_drops_writes():
    cache.set("chave", "valor")

    assert cache.get("chave", "padrão") == "padrão"
    assert cache.get_many(["chave"]) == {}
    assert cache.add("chave", 1) is False
    assert degraded_counts()["cache.set"] == 1

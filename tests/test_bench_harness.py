"""The benchmark harness starts gunicorn (production settings, gunicorn.conf.py) and stops it."""

from __future__ import annotations

import os

import pytest
import requests
from rest_framework.authtoken.models import Token

from benchmarks import harness, processes
from tests.factories import ApiClientFactory


@pytest.mark.e2e
def test_gunicorn_starts_answers_and_stops_with_its_workers(transactional_db) -> None:
    token = Token.objects.create(user=ApiClientFactory()).key
    headers = {"Authorization": f"Token {token}"}
    env = harness.production_env(GUNICORN_WORKERS="2", GUNICORN_THREADS="2")
    with harness.gunicorn(env, ready_path="/api/comentarios?limit=1", ready_headers=headers,
                          static=False) as server:  # fmt: skip
        workers = server.worker_pids()
        response = requests.post(f"{server.url}/api/comentarios", json=[{"texto": "ótimo show"}],
                                 headers=headers, timeout=10)  # fmt: skip
        assert response.status_code == 202
        assert len(workers) == 2
        assert processes.peak_rss_mb(workers[0]) > 0
    assert server.process.poll() is not None
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"

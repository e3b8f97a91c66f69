"""The web process as deployed (gunicorn with gunicorn.conf.py): its own errors are JSON.

gunicorn refuses an oversized request line or header before Django sees the request; these
tests start a real gunicorn and speak raw HTTP to it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from tests import worker

# No test here reaches the database: gunicorn answers, or Django refuses before any query.
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = (tmp_path_factory.mktemp("gunicorn") / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "alumusic.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=worker.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            requests.get(f"{url}/api/nada", timeout=30)  # the first request loads Django
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def test_a_request_line_over_the_limit_gets_gunicorns_414_as_json(gunicorn_url):
    response = requests.get(f"{gunicorn_url}/api/comentarios?search={'a' * 9000}", timeout=10)

    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/json"
    assert "8190" in response.json()["erro"]


def test_a_header_over_the_limit_gets_431_as_json(gunicorn_url):
    headers = {"X-Grande": "b" * 9000}

    response = requests.get(f"{gunicorn_url}/api/comentarios", headers=headers, timeout=10)

    assert response.status_code == 431
    assert set(response.json()) == {"erro"}


def test_a_6_kb_url_reaches_django(gunicorn_url):
    response = requests.get(f"{gunicorn_url}/api/comentarios?search={'a' * 6000}", timeout=10)

    assert response.status_code == 401  # Django's answer: no credentials
    assert response.headers["Content-Type"] == "application/json"

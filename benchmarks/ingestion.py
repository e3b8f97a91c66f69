"""Bulk ingestion over HTTP: `POST /api/comentarios` with 1,000 comments per request (DESIGN §8).

Starts gunicorn on a free local port against the bench database, creates an API client with a
DRF token, and has a few client threads post pre-encoded bodies for a fixed time. Reports the
comments stored per second and the p99 request latency, then deletes what it stored.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from .report import Figure, print_figure

ROOT = Path(__file__).resolve().parent.parent
ITEMS_PER_REQUEST = 1_000
DURATION_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "20"))
CLIENT_THREADS = int(os.environ.get("BENCH_INGEST_CLIENTS", "4"))
SERVER_WORKERS = int(os.environ.get("BENCH_INGEST_WORKERS", "4"))
BENCH_EMAIL = "bench-ingestion@alumusic.local"


def run() -> list[Figure]:
    user, token = _bench_client()
    port = _free_port()
    server = _start_server(port)
    try:
        url = f"http://127.0.0.1:{port}/api/comentarios"
        _wait_until_up(url, token, server)
        stored, latencies, elapsed = _load(url, token)
    finally:
        _stop(server)
        _clean_up(user)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 else 0.0
    print(
        f"  {len(latencies)} requests, {stored:,} comments in {elapsed:.1f}s; "
        f"median {statistics.median(latencies) * 1000:.0f} ms",
        flush=True,
    )
    return [
        print_figure(
            Figure(
                "ingestion: comments/s sustained (1,000 per POST)", stored / elapsed, "c/s", 10_000
            )
        ),
        print_figure(
            Figure("ingestion: p99 request latency", p99, "ms", 250, higher_is_better=False)
        ),
    ]


def _bench_client() -> tuple[object, str]:
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from accounts.models import API_CLIENTS_GROUP, User

    _clean_up(User.objects.filter(email=BENCH_EMAIL).first())
    user = User.objects.create_user(email=BENCH_EMAIL, password=None)
    user.groups.add(Group.objects.get_or_create(name=API_CLIENTS_GROUP)[0])
    return user, Token.objects.create(user=user).key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,  # DATABASE_URL already points at the bench database
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "THROTTLE_USER": "100000/min",
    }
    command = [
        sys.executable, "-m", "gunicorn", "alumusic.wsgi", "-b", f"127.0.0.1:{port}",
        "-w", str(SERVER_WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _wait_until_up(url: str, token: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            response = requests.get(f"{url}?limit=1", headers=_headers(token), timeout=10)
            if response.status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60s")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/json"}


def _body() -> bytes:
    # Server-generated ids, so every request stores 1,000 new comments.
    texts = [
        f"Comentário de teste {n}: o novo single ficou ótimo, mas o som do show estava baixo."
        for n in range(ITEMS_PER_REQUEST)
    ]
    return json.dumps([{"texto": text} for text in texts], ensure_ascii=False).encode()


def _load(url: str, token: str) -> tuple[int, list[float], float]:
    body, headers = _body(), _headers(token)
    latencies: list[float] = []
    stored = [0]
    lock = threading.Lock()
    warm_up = requests.post(url, data=body, headers=headers, timeout=30)
    warm_up.raise_for_status()
    started = time.perf_counter()
    deadline = started + DURATION_SECONDS

    def client() -> None:
        session = requests.Session()
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=30)
            took = time.perf_counter() - begun
            response.raise_for_status()
            with lock:
                latencies.append(took)
                stored[0] += len(response.json()["ids_enfileirados"])

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stored[0], latencies, time.perf_counter() - started


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def _clean_up(user: object | None) -> None:
    """Delete the bench user's comments in SQL (the ORM would load every row) and the user."""
    if user is None:
        return
    from django.db import connection

    from alumusic.celery import app

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM comments_commenttag WHERE comment_id IN "
            "(SELECT id FROM comments_comment WHERE submitted_by_id = %s)",
            [user.pk],
        )
        cursor.execute("DELETE FROM comments_comment WHERE submitted_by_id = %s", [user.pk])
    user.delete()
    # The server enqueued classification of comments that no longer exist; drop those tasks.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("classify")

"""Bulk ingestion over HTTP: `POST /api/comentarios` with 1,000 comments per request (DESIGN §8).

Starts gunicorn on a free local port against the bench database, creates an API client with a
DRF token, and has a few client threads post pre-encoded bodies for a fixed time. Reports the
comments stored per second and the p99 request latency, then deletes what it stored.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from random import Random

import requests

from .report import Figure, print_figure

ROOT = Path(__file__).resolve().parent.parent
ITEMS_PER_REQUEST = 1_000
DURATION_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "20"))
# Two clients keep both cores busy; more only queue requests and inflate latency.
CLIENT_THREADS = int(os.environ.get("BENCH_INGEST_CLIENTS", "2"))
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
    ordered = sorted(latencies)
    print(
        f"  {len(latencies)} requests, {stored:,} comments in {elapsed:.1f}s; latency ms: "
        f"median {ordered[len(ordered) // 2] * 1000:.0f}, "
        f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f}, max {ordered[-1] * 1000:.0f}",
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
        "SECRET_KEY": secrets.token_urlsafe(50),
        "THROTTLE_USER": "100000/min",
        # The bench client is one account posting far past any sane quota, over plain HTTP.
        "INGEST_QUOTA_PER_MINUTE": "0",
        "INGEST_QUOTA_PER_DAY": "0",
        "SECURE_SSL_REDIRECT": "false",
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


_PHRASES = (
    "o novo single ficou ótimo",
    "o som do show estava baixo demais",
    "quando vocês lançam o álbum completo?",
    "a mixagem da faixa três está estranha",
    "adorei a participação da cantora convidada",
    "podiam fazer uma turnê pelo nordeste",
    "o app trava quando abro a letra da música",
    "ingresso caro para um show tão curto",
    "essa batida lembra os anos noventa",
    "a voz está sem graça nessa versão acústica",
    "promoção imperdível, clique no link da bio",
    "queria a versão instrumental para ouvir estudando",
    "melhor clipe do ano, a fotografia é linda",
    "o refrão gruda na cabeça o dia inteiro",
    "não entendi por que tiraram a música do streaming",
    "letra profunda, me emocionei no segundo verso",
)


def _bodies(count: int = 8) -> list[bytes]:
    """Pre-encoded bodies of varied texts (server-generated ids: every POST stores new rows).

    Varied words matter: the trigram index on the text is the costliest part of an insert,
    and one repeated sentence would flatter it.
    """
    random = Random(1)
    bodies = []
    for _ in range(count):
        texts = [
            f"{random.choice(_PHRASES).capitalize()}, e {random.choice(_PHRASES)} "
            f"({random.randrange(10**6)})."
            for _ in range(ITEMS_PER_REQUEST)
        ]
        bodies.append(json.dumps([{"texto": text} for text in texts], ensure_ascii=False).encode())
    return bodies


def _load(url: str, token: str) -> tuple[int, list[float], float]:
    bodies, headers = _bodies(), _headers(token)
    latencies: list[float] = []
    stored = [0]
    lock = threading.Lock()
    _warm_up(url, bodies[0], headers)
    started = time.perf_counter()
    deadline = started + DURATION_SECONDS

    def client(offset: int) -> None:
        session = requests.Session()
        sent = offset
        while time.perf_counter() < deadline:
            begun = time.perf_counter()
            body = bodies[sent % len(bodies)]
            sent += 1
            response = session.post(url, data=body, headers=headers, timeout=30)
            took = time.perf_counter() - begun
            response.raise_for_status()
            with lock:
                latencies.append(took)
                stored[0] += len(response.json()["ids_enfileirados"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stored[0], latencies, time.perf_counter() - started


def _warm_up(url: str, body: bytes, headers: dict[str, str]) -> None:
    """Send a few concurrent requests so every worker has connected and imported its code."""

    def post() -> None:
        requests.post(url, data=body, headers=headers, timeout=60).raise_for_status()

    threads = [threading.Thread(target=post) for _ in range(2 * SERVER_WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


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

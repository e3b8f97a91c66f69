"""Bulk ingestion over HTTP: `POST /api/comentarios`, 1,000 comments per request (DESIGN §8).

Four client processes post pre-encoded bodies for a fixed time to gunicorn (production
settings, gunicorn.conf.py) twice: while one Celery worker classifies what arrives (the
situation that matters: the worker and the web processes share the cores), and with no
worker (the ceiling). Each run starts from an empty table, which grows by ~1M rows.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from random import Random
from typing import Any

from benchmarks import database, harness, processes
from benchmarks.report import Figure, print_figure

ITEMS_PER_REQUEST = 1_000
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_INGEST_CLIENTS", "4"))
BENCH_EMAIL = "bench-ingestion@alumusic.local"
WARM_UP_REQUESTS = 3  # per client: every gunicorn worker connected and its code paths warm


def run() -> list[Figure]:
    harness.local_model_ensure()
    database.tables_empty()
    _user, token = harness.api_client_token(BENCH_EMAIL)
    figures: list[Figure] = []
    with harness.gunicorn(ready_path="/api/comentarios?limit=1",
                          ready_headers=_headers(token)) as server:  # fmt: skip
        _print_server(server)
        figures += _scenario(server, token, worker=True)
        figures += _scenario(server, token, worker=False)
    return figures


def _scenario(server: harness.Server, token: str, *, worker: bool) -> list[Figure]:
    label = "while 1 worker classifies" if worker else "no worker"
    database.tables_empty()
    harness.broker_purge()
    workers = harness.celery_workers(concurrency=1) if worker else nullcontext()
    try:
        with workers as running:
            groups = {"web": lambda: processes.tree_cpu(server.process.pid),
                      "PostgreSQL": processes.postgres_server_cpu}  # fmt: skip
            if running is not None:
                groups["worker"] = lambda: processes.tree_cpu(running.pid)
            meter = processes.CpuMeter(groups)
            classified_before = _done_count()
            stored, latencies, elapsed = _load(server.port, token, meter)
            classified = _done_count() - classified_before
    finally:
        harness.broker_purge()  # tasks for rows about to be truncated
        database.tables_empty()
    rate = stored / elapsed
    p50 = harness.percentile(latencies, 0.50) * 1000
    p99 = harness.percentile(latencies, 0.99) * 1000
    print(f"  {label}: {len(latencies):,} requests, {stored:,} comments in {elapsed:.1f}s from "
          f"{CLIENTS} clients; latency p50 {p50:.0f} ms, p99 {p99:.0f} ms, max "
          f"{max(latencies) * 1000:.0f} ms; worker classified {classified:,} "
          f"({classified / elapsed:,.0f}/s)", flush=True)  # fmt: skip
    per_thousand = {name: spent / stored * 1e6 for name, spent in meter.spent.items()}
    print("  CPU ms per 1,000 comments stored: "
          + ", ".join(f"{name} {ms:.1f}" for name, ms in per_thousand.items())
          + f"; all cores busy {sum(meter.spent.values()) / elapsed:.2f} of "
          f"{len(os.sched_getaffinity(0))}", flush=True)  # fmt: skip
    target = 40_000 if worker else 60_000
    return [
        print_figure(Figure(f"ingestion {label}: comments/s (1,000 per POST)", rate, "c/s",
                            target)),
        print_figure(Figure(f"ingestion {label}: p50 request latency", p50, "ms", 250,
                            higher_is_better=False)),
        print_figure(Figure(f"ingestion {label}: p99 request latency", p99, "ms", 250,
                            higher_is_better=False)),
    ]  # fmt: skip


def _print_server(server: harness.Server) -> None:
    settings = {k: v for k, v in os.environ.items() if k.startswith("GUNICORN_")}
    print(f"  gunicorn: {len(server.worker_pids())} worker processes "
          f"{settings or '(gunicorn.conf.py defaults)'}", flush=True)  # fmt: skip


def _done_count() -> int:
    from comments.models import Comment, Status

    return Comment.objects.filter(status=Status.DONE).count()


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/json"}


_OPENINGS = (
    "o novo single ficou ótimo", "o som do show estava baixo demais",
    "quando vocês lançam o álbum completo?", "a mixagem da faixa três está estranha",
    "adorei a participação da cantora convidada", "podiam fazer uma turnê pelo nordeste",
    "o app trava quando abro a letra da música", "ingresso caro para um show tão curto",
    "essa batida lembra os anos noventa", "a voz está sem graça nessa versão acústica",
    "promoção imperdível, clique no link da bio", "queria a versão instrumental para estudar",
    "melhor clipe do ano, a fotografia é linda", "o refrão gruda na cabeça o dia inteiro",
    "não entendi por que tiraram a música do streaming", "letra profunda, me emocionei",
)  # fmt: skip


def _bodies(count: int = 16) -> list[bytes]:
    """Pre-encoded bodies of varied texts (server-made ids: every POST stores new rows).

    Varied words matter: a text-search index costs each insert by its distinct terms, and one
    repeated sentence would flatter it.
    """
    random = Random(1)
    bodies = []
    for _ in range(count):
        texts = [f"{random.choice(_OPENINGS).capitalize()}, e {random.choice(_OPENINGS)} "
                 f"({random.randrange(10**6)})." for _ in range(ITEMS_PER_REQUEST)]  # fmt: skip
        bodies.append(json.dumps([{"texto": t} for t in texts], ensure_ascii=False).encode())
    return bodies


def _load(port: int, token: str, meter: processes.CpuMeter) -> tuple[int, list[float], float]:
    """CLIENTS processes post for SECONDS after a warm-up; (stored, latencies, elapsed)."""
    results: Any = multiprocessing.get_context("fork").Queue()
    start_at = time.time() + 1.0 + 0.2 * CLIENTS  # every client warm before the clock starts
    clients = [
        multiprocessing.get_context("fork").Process(
            target=_client, args=(port, token, n, start_at, results), daemon=True
        )
        for n in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    time.sleep(max(0.0, start_at - time.time()))
    meter.start()
    gathered = [results.get(timeout=SECONDS + 120) for _ in clients]
    meter.stop()
    for client in clients:
        client.join(timeout=30)
    errors = [e for _s, _l, _e, e in gathered if e]
    if errors:
        raise RuntimeError(f"ingestion clients failed: {errors[0]}")
    stored = sum(s for s, _l, _e, _x in gathered)
    latencies = [t for _s, lat, _e, _x in gathered for t in lat]
    elapsed = max(e for _s, _l, e, _x in gathered)
    return stored, latencies, elapsed


def _client(port: int, token: str, offset: int, start_at: float, results: Any) -> None:
    bodies, headers = _bodies(), _headers(token)
    stored, latencies, error = 0, [], ""
    try:
        with _connection(port) as connection:
            for n in range(WARM_UP_REQUESTS):
                _post(connection, bodies[(offset + n) % len(bodies)], headers)
            time.sleep(max(0.0, start_at - time.time()))
            started = time.perf_counter()
            deadline = started + SECONDS
            sent = offset
            while time.perf_counter() < deadline:
                begun = time.perf_counter()
                stored += _post(connection, bodies[sent % len(bodies)], headers)
                latencies.append(time.perf_counter() - begun)
                sent += 1
            elapsed = time.perf_counter() - started
    except Exception as exc:  # reported by the parent, which raises
        error, elapsed = repr(exc), 0.0
    results.put((stored, latencies, elapsed, error))


@contextmanager
def _connection(port: int) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection(harness.HOST, port, timeout=60)
    try:
        yield connection
    finally:
        connection.close()


def _post(connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> int:
    """POST one body (keep-alive; http.client reconnects if the server closed); ids stored."""
    connection.request("POST", "/api/comentarios", body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status != 202:
        raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
    return len(json.loads(payload)["ids_enfileirados"])

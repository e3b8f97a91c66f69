"""End-to-end pipeline: comments posted over HTTP → Redis → Celery worker(s) → CONCLUIDO.

DESIGN §8, local backend, for each variant with one and then two worker processes: the fast
variant ≥ 2,500 comments/s with one and ≥ 4,500 with two; the default variant ("cascade": fast,
plus the sentence encoder for the comments fast is unsure of) ≥ 1,000 with one and near-linear
(≥ 1.8×) with two; the "use" variant alone is held to the default's bar too. Workers are warmed
up first (model loaded), so the figure is the steady pipeline, not the one-off model load the
classifier benchmark reports. The clock runs from the first POST to the moment every comment is
CONCLUIDO.
"""

from __future__ import annotations

import os
import time

import requests
from django.conf import settings

from benchmarks import database, harness, processes
from benchmarks.report import Figure, print_figure

PER_REQUEST = 1_000
# variant -> (comments per run, target with 1 worker, target with 2 workers or None: 1.8×)
VARIANTS: dict[str, tuple[int, float, float | None]] = {
    "fast": (int(os.environ.get("BENCH_PIPELINE_FAST", "10000")), 2_500, 4_500),
    "cascade": (int(os.environ.get("BENCH_PIPELINE_CASCADE", "10000")), 1_000, None),
    "use": (int(os.environ.get("BENCH_PIPELINE_USE", "3000")), 1_000, None),
}
NEAR_LINEAR = 1.8
BENCH_EMAIL = "bench-pipeline@alumusic.local"


def run() -> list[Figure]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        print("  skipped: set CELERY_BROKER_URL (a Redis) to measure real workers", flush=True)
        return []
    selected = os.environ.get("BENCH_PIPELINE_VARIANTS", ",".join(VARIANTS)).split(",")
    _user, token = harness.api_client_token(BENCH_EMAIL)
    figures: list[Figure] = []
    with harness.gunicorn() as server:
        for variant in selected:
            figures += _variant_figures(variant, server, token)
    return figures


def _variant_figures(variant: str, server: harness.Server, token: str) -> list[Figure]:
    count, one_target, two_target = VARIANTS[variant]
    harness.local_model_ensure(variant)
    rates = {}
    for workers in (1, 2):
        rate, seconds = _measure(variant, workers, count, server, token)
        rates[workers] = rate
        print(f"  {variant}, {workers} worker process(es): {count:,} comments in {seconds:.1f}s",
              flush=True)  # fmt: skip
    figures = [
        Figure(f"pipeline {variant}, 1 worker process: comments/s to CONCLUIDO", rates[1],
               "c/s", one_target),
        Figure(f"pipeline {variant}, 2 worker processes: comments/s to CONCLUIDO", rates[2],
               "c/s", two_target or NEAR_LINEAR * one_target),
        Figure(f"pipeline {variant}: speed-up from 1 to 2 worker processes", rates[2] / rates[1],
               "x", (two_target / one_target) if two_target else NEAR_LINEAR),
    ]  # fmt: skip
    return [print_figure(f) for f in figures]


def _measure(
    variant: str, workers: int, count: int, server: harness.Server, token: str
) -> tuple[float, float]:
    """Post `count` comments in requests of PER_REQUEST; seconds until all are CONCLUIDO."""
    database.tables_empty()
    harness.broker_purge()
    bodies = _bodies(count)
    env = {"LOCAL_CLASSIFIER_MODEL": variant}
    with harness.celery_workers(concurrency=workers, env=env) as worker, \
            requests.Session() as session:  # fmt: skip
        _warm_up(session, server, token, workers)
        database.tables_empty()
        meter = processes.CpuMeter(
            {"web": lambda: processes.tree_cpu(server.process.pid),
             "PostgreSQL": processes.postgres_server_cpu,
             "worker": lambda: processes.tree_cpu(worker.pid)})  # fmt: skip
        meter.start()
        started = time.perf_counter()
        for body in bodies:
            _post(session, server, token, body)
        finished = harness.wait_until_done(count, timeout=600)
        meter.stop()
    database.tables_empty()
    seconds = finished - started
    print("  CPU ms per 1,000 comments: "
          + ", ".join(f"{name} {spent / count * 1e6:.1f}" for name, spent in meter.spent.items())
          + f"; cores busy {sum(meter.spent.values()) / seconds:.2f}", flush=True)  # fmt: skip
    return count / seconds, seconds


def _warm_up(session: requests.Session, server: harness.Server, token: str, workers: int) -> None:
    """Every pool process loads its model and classifies a batch before the clock starts."""
    texts = harness.sample_texts(50 * 2 * workers)
    for start in range(0, len(texts), 50):
        _post(session, server, token, [{"texto": t} for t in texts[start : start + 50]])
    harness.wait_until_done(len(texts), timeout=300)


def _bodies(count: int) -> list[list[dict[str, str]]]:
    texts = harness.sample_texts(count)
    return [
        [{"texto": text} for text in texts[start : start + PER_REQUEST]]
        for start in range(0, count, PER_REQUEST)
    ]


def _post(
    session: requests.Session, server: harness.Server, token: str, body: list[dict[str, str]]
) -> None:
    response = session.post(f"{server.url}/api/comentarios", json=body, timeout=60,
                            headers={"Authorization": f"Token {token}"})  # fmt: skip
    response.raise_for_status()

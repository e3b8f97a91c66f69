"""End-to-end pipeline throughput: `comments_ingest` → Redis → Celery worker(s) → CONCLUIDO.

DESIGN §8: ≥ 1,000 comments/s from `202` to `CONCLUIDO` with the local backend and one worker
process, and it scales with workers. Workers are warmed up first (model loaded), so the figure
is the steady pipeline, not the one-off model load the classifier benchmark reports.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from benchmarks.report import Figure, print_figure

COMMENTS = 20_000
PER_CALL = 1_000
TARGET_PER_SECOND = 1_000.0
EVAL_SET = Path(__file__).resolve().parent.parent / "insights" / "data" / "eval.jsonl"


def run() -> list[Figure]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        print("  skipped: set CELERY_BROKER_URL (a Redis) to measure real workers", flush=True)
        return []
    figures = []
    for workers in (1, 2):
        rate, seconds = _measure(workers)
        print(f"  {workers} worker(s): {COMMENTS:,} comments in {seconds:.1f}s", flush=True)
        figures.append(
            print_figure(
                Figure(
                    f"pipeline end-to-end, local backend, {workers} worker process(es)",
                    rate,
                    "comments/s",
                    TARGET_PER_SECOND * (1 if workers == 1 else 1.5),
                )
            )
        )
    return figures


def _measure(workers: int) -> tuple[float, float]:
    """Ingest COMMENTS comments in PER_CALL calls; time until every one is CONCLUIDO."""
    from comments.services import comments_ingest
    from tests.worker import purge_broker, start_worker

    _empty_tables()
    purge_broker()
    texts = _texts(COMMENTS)
    with tempfile.TemporaryDirectory() as tmp:
        worker = start_worker(Path(tmp), concurrency=workers)
        try:
            _warm_up(workers)
            _empty_tables()
            started = time.perf_counter()
            for start in range(0, COMMENTS, PER_CALL):
                items = [{"texto": text} for text in texts[start : start + PER_CALL]]
                comments_ingest(items=items, source="import", submitted_by=None)
            _wait_until_done(COMMENTS)
            seconds = time.perf_counter() - started
        finally:
            worker.stop()
    return COMMENTS / seconds, seconds


def _warm_up(workers: int) -> None:
    """Load the model in every pool process before the clock starts."""
    from comments.services import comments_ingest

    for _round in range(workers * 2):
        items = [{"texto": text} for text in _texts(50)]
        comments_ingest(items=items, source="import", submitted_by=None)
    _wait_until_done(workers * 2 * 50, timeout=300)


def _texts(count: int) -> list[str]:
    lines = EVAL_SET.read_text(encoding="utf-8").splitlines()
    base = [json.loads(line)["texto"] for line in lines if line.strip()]
    return [f"{base[n % len(base)]} ({n})" for n in range(count)]


def _empty_tables() -> None:
    from comments.models import Comment, CommentTag

    with connection.cursor() as cursor:
        tables = ", ".join(m._meta.db_table for m in (CommentTag, Comment))
        cursor.execute(f"TRUNCATE {tables}")


def _wait_until_done(expected: int, timeout: float = 600) -> None:
    from comments.models import Comment, Status

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = Comment.objects.filter(status=Status.DONE).count()
        if done >= expected:
            return
        if Comment.objects.filter(status=Status.FAILED).exists():
            raise RuntimeError("some comments FALHOU during the benchmark")
        time.sleep(0.05)
    raise RuntimeError(f"pipeline did not finish {expected} comments in {timeout}s")

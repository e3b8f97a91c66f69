"""Gemini backend under load: 4 worker processes, the shared rate limiter, the fake server.

DESIGN §8: ≥ 25 comments per request, and never more requests or tokens per window than
configured, with 4 workers. The window is scaled down (GEMINI_RATE_WINDOW_SECONDS) so a run
of a few thousand comments crosses several windows in seconds; the algorithm is the same at
60 s. Requests are counted where the provider counts them: on arrival at the (fake) server,
which answers each after an injected latency (as a real model takes time to answer).
"""

from __future__ import annotations

import json
import os
import time

from django.conf import settings
from django.test import override_settings

from benchmarks import database, harness
from benchmarks.report import Figure, print_figure

COMMENTS = 3_000
BATCH = 50
WORKER_PROCESSES = 4
WINDOW_SECONDS = 5.0
REQUESTS_PER_WINDOW = 20  # the run needs 60 requests: at least three windows
TOKENS_PER_WINDOW = 200_000  # ~30 requests of 50 comments: the request limit binds first
LATENCY_SECONDS = float(os.environ.get("BENCH_GEMINI_LATENCY", "0.5"))


def run() -> list[Figure]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        print("  skipped: set CELERY_BROKER_URL (a Redis) to run real workers", flush=True)
        return []
    from tests.fakes.gemini_server import Behaviour, FakeGemini
    from tests.rate_windows import most_in_any_window

    with FakeGemini() as fake:
        fake.default = Behaviour.slow(LATENCY_SECONDS)
        seconds = _classify_with_workers(fake)
        requests = fake.requests
    arrivals = [(r.at, _tokens_seen(r)) for r in requests if r.status == 200]
    most_requests, most_tokens = most_in_any_window(arrivals, WINDOW_SECONDS)
    per_request = sum(len(r.comments) for r in requests) / max(1, len(requests))
    print(
        f"  {COMMENTS:,} comments, {len(requests)} requests in {seconds:.1f}s "
        f"({COMMENTS / seconds:,.0f} comments/s) with {WORKER_PROCESSES} worker processes; "
        f"limits {REQUESTS_PER_WINDOW} requests and {TOKENS_PER_WINDOW:,} tokens "
        f"per {WINDOW_SECONDS:g}s window; {LATENCY_SECONDS:g}s latency per answer",
        flush=True,
    )
    window = f"{WINDOW_SECONDS:g}s window, {WORKER_PROCESSES} workers"
    requests_figure = Figure(
        f"Gemini max requests in any {window}", most_requests, "requests",
        REQUESTS_PER_WINDOW, higher_is_better=False, inclusive=True,
    )  # fmt: skip
    tokens_figure = Figure(
        f"Gemini max tokens in any {window}", most_tokens, "tokens",
        TOKENS_PER_WINDOW, higher_is_better=False, inclusive=True,
    )  # fmt: skip
    per_request_figure = Figure("Gemini comments per request", per_request, "comments", 25)
    return [print_figure(f) for f in (per_request_figure, requests_figure, tokens_figure)]


def _classify_with_workers(fake) -> float:
    """Store COMMENTS PENDENTE comments, enqueue them in batches, time until all are done."""
    from comments.models import Comment
    from insights.pipeline.enqueue import classification_enqueue

    database.tables_empty()
    harness.broker_purge()
    texts = harness.sample_texts(COMMENTS)
    comments = Comment.objects.bulk_create(Comment(text=text) for text in texts)
    env = {
        "CLASSIFIER_BACKEND": "gemini",
        "GOOGLE_API_KEY": fake.api_key,
        "GEMINI_BASE_URL": fake.url,
        "GEMINI_BATCH_SIZE": str(BATCH),
        "GEMINI_RPM": str(REQUESTS_PER_WINDOW),
        "GEMINI_TPM": str(TOKENS_PER_WINDOW),
        "GEMINI_RATE_WINDOW_SECONDS": str(WINDOW_SECONDS),
    }
    try:
        with harness.celery_workers(concurrency=WORKER_PROCESSES, env=env):
            started = time.perf_counter()
            with override_settings(CLASSIFY_BATCH_SIZE=BATCH):
                classification_enqueue(comment_ids=[str(c.id) for c in comments])
            return harness.wait_until_done(COMMENTS, timeout=300, interval=0.1) - started
    finally:
        database.tables_empty()


def _tokens_seen(request) -> int:
    """Tokens of one request as the provider bills them: the prompt as sent (chars / 4)."""
    return len(json.dumps(request.body, ensure_ascii=False)) // 4

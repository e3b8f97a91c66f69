"""The shared rate limiter: under concurrent callers no window ever holds more than the limits."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings

from insights.classifiers.gemini.ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter
from insights.domain import BackendError
from tests.rate_windows import most_in_any_window

WINDOW = 1.0  # seconds; production uses 60, the algorithm does not care


def hammer(limiter: RateLimiter, seconds: float, tokens: int) -> list[tuple[float, int]]:
    """Acquire as fast as allowed for `seconds`; the grant times (the limiter's clock)."""
    grants = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        grants.append((limiter.acquire(tokens).at, tokens))
    return grants


def hammer_from_threads(limiter: RateLimiter, *, threads: int, seconds: float, tokens: int):
    results: list[list[tuple[float, int]]] = [[] for _ in range(threads)]

    def run(index: int) -> None:
        results[index] = hammer(limiter, seconds, tokens)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [grant for result in results for grant in result]


def redis_limiter(key: str, **limits: float) -> RedisRateLimiter:
    client = redis.Redis.from_url(settings.REDIS_URL)
    return RedisRateLimiter(client=client, key=key, window_seconds=WINDOW, **limits)  # type: ignore[arg-type]


def hammer_in_process(key: str, redis_url: str, seconds: float) -> list[tuple[float, int]]:
    """Run in a separate OS process: a limiter of its own on the shared Redis key."""
    client = redis.Redis.from_url(redis_url)
    limiter = RedisRateLimiter(
        client=client, key=key, requests_per_window=30, tokens_per_window=10**9,
        window_seconds=WINDOW,
    )  # fmt: skip
    return hammer(limiter, seconds, tokens=10)


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4()}"


def test_four_threads_never_get_more_requests_than_the_limit_in_any_window(key):
    limiter = redis_limiter(key, requests_per_window=30, tokens_per_window=10**9)

    grants = hammer_from_threads(limiter, threads=4, seconds=2.5, tokens=1)

    most_requests, _ = most_in_any_window(grants, WINDOW)
    assert most_requests == 30
    assert len(grants) >= 60  # and it does grant at the allowed pace, not far below it


def test_four_processes_share_the_limit_through_redis(key):
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(hammer_in_process, [(key, settings.REDIS_URL, 2.5)] * 4)

    grants = [grant for result in results for grant in result]
    most_requests, _ = most_in_any_window(grants, WINDOW)
    assert most_requests == 30
    assert all(results), "every process got some grants"


def test_tokens_per_window_are_never_exceeded(key):
    limiter = redis_limiter(key, requests_per_window=10_000, tokens_per_window=1_000)

    grants = hammer_from_threads(limiter, threads=4, seconds=2.2, tokens=70)

    most_requests, most_tokens = most_in_any_window(grants, WINDOW)
    assert most_tokens <= 1_000
    assert most_requests == 1_000 // 70


def test_the_in_process_limiter_keeps_the_same_guarantee():
    limiter = LocalRateLimiter(requests_per_window=20, tokens_per_window=500, window_seconds=WINDOW)

    grants = hammer_from_threads(limiter, threads=4, seconds=2.2, tokens=20)

    most_requests, most_tokens = most_in_any_window(grants, WINDOW)
    assert most_requests <= 20
    assert most_tokens <= 500


def test_a_wait_longer_than_the_cap_raises_a_retryable_error_with_the_wait(key):
    limiter = RedisRateLimiter(
        client=redis.Redis.from_url(settings.REDIS_URL), key=key,
        requests_per_window=2, tokens_per_window=10**9, window_seconds=5, max_wait_seconds=0.5,
    )  # fmt: skip
    limiter.acquire(1)
    limiter.acquire(1)

    with pytest.raises(BackendError) as raised:
        limiter.acquire(1)

    assert raised.value.retryable
    assert 4 < raised.value.retry_after <= 5
    assert "limite de requisições do Gemini" in str(raised.value)  # curators read it in pt-BR


def test_a_request_bigger_than_the_token_limit_is_granted_alone(key):
    limiter = redis_limiter(key, requests_per_window=100, tokens_per_window=100)

    first = limiter.acquire(5_000)

    assert first.waited < 0.1
    second = limiter.acquire(1)
    assert second.at - first.at >= WINDOW

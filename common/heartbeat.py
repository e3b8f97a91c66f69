"""The worker heartbeat: a timestamp a worker writes on beat's schedule, read by /readyz."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "alumusic:heartbeat:worker"


def _client() -> redis.Redis:
    timeout = settings.REDIS_SOCKET_TIMEOUT_SECONDS
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )


def heartbeat_write(*, worker: str) -> None:
    """Record that `worker` just ran a task (kept a few check intervals, then it expires)."""
    ttl = max(1, settings.HEARTBEAT_MAX_AGE_SECONDS * 2)
    _client().set(HEARTBEAT_KEY, f"{time.time():.3f} {worker}", ex=ttl)


def heartbeat_age_seconds() -> float | None:
    """Seconds since a worker's last heartbeat; None if there is none (or Redis is down)."""
    try:
        raw = _client().get(HEARTBEAT_KEY)
    except (redis.RedisError, OSError):
        logger.warning("Could not read the worker heartbeat", exc_info=True)
        return None
    if raw is None:
        return None
    return max(0.0, time.time() - float(raw.split()[0]))

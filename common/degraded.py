"""Fail-open bookkeeping: count and log (without flooding) each time a dependency was skipped."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

logger = logging.getLogger("alumusic.degraded")

# One warning per operation per interval: an outage must not turn every request into a log line.
_LOG_EVERY_SECONDS = 30.0
_counts: Counter[str] = Counter()
_last_logged: dict[str, float] = {}
_lock = threading.Lock()


def degraded_record(operation: str, error: BaseException) -> None:
    """Count one fail-open `operation` (e.g. "cache.get") and log it at most every 30 s."""
    now = time.monotonic()
    with _lock:
        _counts[operation] += 1
        count = _counts[operation]
        due = now - _last_logged.get(operation, -_LOG_EVERY_SECONDS) >= _LOG_EVERY_SECONDS
        if due:
            _last_logged[operation] = now
    if due:
        logger.warning(
            "Degraded: %s failed open (%d times in this process so far): %s",
            operation, count, error,
        )  # fmt: skip


def degraded_counts() -> dict[str, int]:
    """How many times each operation failed open in this process."""
    with _lock:
        return dict(_counts)


def degraded_reset() -> None:
    """Forget the counts (tests)."""
    with _lock:
        _counts.clear()
        _last_logged.clear()

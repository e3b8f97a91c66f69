"""Requests- and tokens-per-window rate limiting shared by every worker process (Redis).

A sliding-window log: every grant is recorded with its time and token estimate, and a request is
granted only if, counting it, the grants of the last `window_seconds` stay within both limits. So
no window of that length, wherever it starts, ever holds more than the limits: the guarantee the
provider's per-minute quotas need (a fixed-minute counter would allow twice the limit across a
minute boundary). With Redis the check-and-record is one Lua script, atomic across processes,
timed by the Redis server's clock; without Redis (the embedded default) a lock-protected
in-process log does the same for the threads of one process.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.utils.translation import gettext as _

from common.degraded import degraded_record
from insights.domain import BackendError

logger = logging.getLogger(__name__)

# KEYS[1]: the log, a sorted set (score = grant time in µs, member = "<seq>:<tokens>").
# KEYS[2]: a sequence making members unique. ARGV: window µs, max requests, max tokens, tokens.
# Returns {1, grant time µs} or {0, µs to wait before the request could fit}.
_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local max_requests = tonumber(ARGV[2])
local max_tokens = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local count = #entries / 2
local function tokens_of(member)
  return tonumber(string.match(member, ':(%d+)$'))
end
local used = 0
for i = 1, #entries, 2 do
  used = used + tokens_of(entries[i])
end
if count < max_requests and used + tokens <= max_tokens then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, seq .. ':' .. ARGV[4])
  local ttl = math.ceil(window / 1000) + 1000
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, now}
end
local wait_until = now
if count >= max_requests then
  local index = (count - max_requests) * 2 + 2
  wait_until = math.max(wait_until, tonumber(entries[index]) + window)
end
if used + tokens > max_tokens then
  local freed = 0
  for i = 1, #entries, 2 do
    freed = freed + tokens_of(entries[i])
    if used - freed + tokens <= max_tokens then
      wait_until = math.max(wait_until, tonumber(entries[i + 1]) + window)
      break
    end
  end
end
return {0, wait_until - now + 1}
"""


@dataclass(frozen=True)
class Grant:
    """A granted request: when (the limiter's clock, seconds) and how long the caller waited."""

    at: float
    waited: float


class RateLimiter(ABC):
    """Blocks each request until it fits in both limits, or fails fast if the wait is too long."""

    def __init__(
        self,
        *,
        requests_per_window: int,
        tokens_per_window: int,
        window_seconds: float = 60.0,
        margin_seconds: float = 0.0,
        max_wait_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_window < 1 or tokens_per_window < 1 or window_seconds <= 0:
            raise ValueError("Rate limits and window must be positive.")
        self.requests_per_window = requests_per_window
        self.tokens_per_window = tokens_per_window
        # A grant counts for `margin_seconds` longer than the window, so that network jitter
        # between our grant and the provider's clock cannot show the provider one too many.
        self.window_seconds = window_seconds + max(0.0, margin_seconds)
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep

    def acquire(self, tokens: int = 0) -> Grant:
        """Wait until a request of `tokens` fits; BackendError(retryable) if that takes too long."""
        tokens = self._clamp(tokens)
        started = time.monotonic()
        while True:
            granted_at, wait = self._try_acquire(tokens)
            waited = time.monotonic() - started
            if granted_at is not None:
                return Grant(at=granted_at, waited=waited)
            if waited + wait > self.max_wait_seconds:
                # The message ends up in the comment's last_error, which curators read.
                message = _(
                    "limite de requisições do Gemini: próxima vaga em %(espera).1f s, "
                    "acima do máximo de %(maximo)s s de espera"
                ) % {"espera": wait, "maximo": self.max_wait_seconds}
                raise BackendError(message, retryable=True, retry_after=wait)
            # A little jitter so waiting processes do not all wake on the same microsecond.
            self._sleep(wait + random.uniform(0, 0.01))

    def _clamp(self, tokens: int) -> int:
        if tokens > self.tokens_per_window:
            # It could never fit; let it through alone in its window rather than block forever.
            logger.warning(
                "Request of ~%d tokens exceeds the %d tokens/window limit; counted as the limit",
                tokens,
                self.tokens_per_window,
            )
            return self.tokens_per_window
        return max(0, int(tokens))

    @abstractmethod
    def _try_acquire(self, tokens: int) -> tuple[float | None, float]:
        """(grant time, 0) if granted now, else (None, seconds until it could fit)."""


class RedisRateLimiter(RateLimiter):
    """The limiter shared by every process that uses the same Redis and key."""

    def __init__(self, *, client: redis.Redis, key: str, **limits: object) -> None:
        super().__init__(**limits)  # type: ignore[arg-type]
        self._keys = [key, f"{key}:seq"]
        self._script = client.register_script(_ACQUIRE_LUA)
        # Fail open (issue 11): with Redis unreachable each process keeps the limits on its own;
        # several workers may then overshoot together, which the provider answers with a 429
        # that the pipeline retries, instead of every call failing.
        self._fallback = LocalRateLimiter(**limits)

    def _try_acquire(self, tokens: int) -> tuple[float | None, float]:
        args = [int(self.window_seconds * 1_000_000), self.requests_per_window]
        args += [self.tokens_per_window, tokens]
        try:
            granted, value = self._script(keys=self._keys, args=args)
        except (redis.RedisError, OSError) as error:
            degraded_record("gemini.ratelimit", error)
            return self._fallback._try_acquire(tokens)
        if granted:
            return value / 1_000_000, 0.0
        return None, value / 1_000_000


class LocalRateLimiter(RateLimiter):
    """The same sliding window for the threads of one process (no Redis configured)."""

    def __init__(self, **limits: object) -> None:
        super().__init__(**limits)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._log: deque[tuple[float, int]] = deque()
        self._used = 0

    def _try_acquire(self, tokens: int) -> tuple[float | None, float]:
        with self._lock:
            now = time.monotonic()
            while self._log and self._log[0][0] <= now - self.window_seconds:
                self._used -= self._log.popleft()[1]
            fits_requests = len(self._log) < self.requests_per_window
            if fits_requests and self._used + tokens <= self.tokens_per_window:
                self._log.append((now, tokens))
                self._used += tokens
                return now, 0.0
            return None, self._wait_until(tokens, fits_requests) - now + 1e-6

    def _wait_until(self, tokens: int, fits_requests: bool) -> float:
        """When the oldest grants will have expired enough for this request (lock held)."""
        entries = list(self._log)
        wait_until = 0.0
        if not fits_requests:
            wait_until = entries[len(entries) - self.requests_per_window][0] + self.window_seconds
        freed = 0
        for granted_at, granted_tokens in entries:
            if self._used - freed + tokens <= self.tokens_per_window:
                break
            freed += granted_tokens
            wait_until = max(wait_until, granted_at + self.window_seconds)
        return wait_until


def rate_limiter_build(
    *, name: str, redis_url: str, requests_per_window: int, tokens_per_window: int, **options: float
) -> RateLimiter:
    """A Redis limiter keyed by `name` when `redis_url` is set, else an in-process one."""
    limits = {
        "requests_per_window": requests_per_window,
        "tokens_per_window": tokens_per_window,
        **options,
    }
    if redis_url:
        # Short timeouts: an unreachable Redis falls back to the local limiter within a second.
        client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        return RedisRateLimiter(client=client, key=f"alumusic:ratelimit:{name}", **limits)
    return LocalRateLimiter(**limits)

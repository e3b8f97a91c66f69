"""Django's Redis cache, failing open: an unreachable Redis is a cache miss, never a 500.

DRF's throttles, the admin's caches and anything else on `django.core.cache` read and write
through here (issue 11: with Redis down, every authenticated call and login answered 500 because
throttling raised). Reads answer the default, writes are dropped; each is counted and logged by
`common.degraded`. While Redis is down throttling therefore lets requests through: availability
over strictness, since the limits protect capacity, not secrets (lockouts live in the database).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache

from common.degraded import degraded_record

# What a dead Redis raises: redis-py's errors, and the socket's own when it is cut mid-call.
REDIS_DOWN = (redis.RedisError, OSError)


def _fails_open(method: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, answering `fallback(*args, **kwargs)` when Redis cannot be reached."""

    @functools.wraps(method)
    def wrapper(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except REDIS_DOWN as error:
            degraded_record(f"cache.{method.__name__}", error)
            return fallback(*args, **kwargs)

    return wrapper


def _default_argument(key: Any, default: Any = None, *_args: Any, **kwargs: Any) -> Any:
    return kwargs.get("default", default)


def _constant(value: Any) -> Callable[..., Any]:
    return lambda *_args, **_kwargs: value


class FailOpenRedisCache(RedisCache):
    """`RedisCache` whose operations survive a Redis outage (see the module docstring).

    `incr`/`decr` are left as they are: their callers must know a count was not kept.
    """

    get = _fails_open(RedisCache.get, _default_argument)
    get_many = _fails_open(RedisCache.get_many, lambda *_a, **_k: {})
    has_key = _fails_open(RedisCache.has_key, _constant(False))
    add = _fails_open(RedisCache.add, _constant(False))
    set = _fails_open(RedisCache.set, _constant(None))
    set_many = _fails_open(RedisCache.set_many, lambda *_a, **_k: [])
    touch = _fails_open(RedisCache.touch, _constant(False))
    delete = _fails_open(RedisCache.delete, _constant(False))
    delete_many = _fails_open(RedisCache.delete_many, _constant(None))
    clear = _fails_open(RedisCache.clear, _constant(False))

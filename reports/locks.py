"""A non-blocking, process-crossing lock for the snapshot build (PostgreSQL advisory lock).

`pg_try_advisory_xact_lock` is held until the surrounding transaction ends, so a crashed build
releases it with its connection. SQLite (the single-process demo) gets a process-local lock.
"""

from __future__ import annotations

import threading
import zlib

from django.db import connection

from common.db import is_postgres

_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    return zlib.crc32(f"alumusic:{name}".encode())


def transaction_lock_try(name: str) -> bool:
    """Take lock `name` for the current transaction; False if another holder has it.

    Must be called inside `transaction.atomic()`; on SQLite the caller must release it with
    `local_lock_release` (there is no transaction-scoped lock to lean on).
    """
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(name)])
            return bool(cursor.fetchone()[0])
    with _LOCAL_GUARD:
        lock = _LOCAL_LOCKS.setdefault(name, threading.Lock())
    return lock.acquire(blocking=False)


def local_lock_release(name: str) -> None:
    """Release a process-local lock taken on a database without advisory locks."""
    if not is_postgres():
        _LOCAL_LOCKS[name].release()

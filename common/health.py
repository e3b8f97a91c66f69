"""Liveness and readiness: what /healthz and /readyz report (issue 11, docs/operations.md).

Readiness means "this deployment can do its job now": the database answers, its migrations are
all applied, Redis answers, and a worker ran a task recently (the heartbeat beat schedules).
Each check is bounded by short timeouts, so a dead dependency makes /readyz answer 503 quickly
instead of hanging the health check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from common.heartbeat import heartbeat_age_seconds

logger = logging.getLogger(__name__)

# Once every migration was seen applied this process does not look again (it never un-applies).
_migrations_seen_applied = False


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, and a short English detail."""

    name: str
    ok: bool
    detail: str = ""


def readiness_checks() -> list[Check]:
    """Every readiness check, in the order an operator would investigate them."""
    checks = [_database()]
    checks.append(_migrations() if checks[0].ok else Check("migrations", False, "no database"))
    checks += _redis_servers()
    checks.append(_worker())
    for check in checks:
        if not check.ok:
            logger.warning("Readiness check %s failed: %s", check.name, check.detail)
    return checks


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check("database", False, type(error).__name__)
    return Check("database", True)


def _migrations() -> Check:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return Check("migrations", True)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return Check("migrations", False, type(error).__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} unapplied")
    _migrations_seen_applied = True
    return Check("migrations", True)


def _redis_urls() -> dict[str, str]:
    urls = {"redis": settings.REDIS_URL}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        urls["broker"] = settings.CELERY_BROKER_URL
    return {name: url for name, url in urls.items() if url.startswith(("redis://", "rediss://"))}


def _redis_servers() -> list[Check]:
    checks = []
    timeout = settings.REDIS_SOCKET_TIMEOUT_SECONDS
    for name, url in _redis_urls().items():
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        except (redis.RedisError, OSError) as error:
            checks.append(Check(name, False, type(error).__name__))
        else:
            checks.append(Check(name, True))
        finally:
            client.close()
    return checks


def _worker() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("worker", True, "embedded: tasks run in the web process")
    age = heartbeat_age_seconds()
    if age is None:
        return Check("worker", False, "no heartbeat")
    if age > settings.HEARTBEAT_MAX_AGE_SECONDS:
        return Check("worker", False, f"heartbeat {age:.0f}s old")
    return Check("worker", True, f"heartbeat {age:.0f}s old")

"""gunicorn settings for the web process, sized from the cores it may use; env overrides each.

`gunicorn alumusic.wsgi` reads this file from the working directory (the image's /app, the
repository root). Sizing, measured on 2 cores with `make bench` (docs/performance.md):

- Workers: 2 per core. A request spends part of its time waiting on PostgreSQL (the insert of
  1,000 rows, the commit) and Redis (the enqueue); a second process per core runs Python while
  the first waits. More processes only add memory and context switches.
- gthread with 2 threads per worker: a thread blocked on the database or a slow client's body
  releases the GIL, and keep-alive connections no longer pin a whole process (the sync worker
  closes every connection after each response). Each thread holds its own database connection
  (CONN_MAX_AGE), so connections = workers x threads per host; keep that under PostgreSQL's
  max_connections across hosts (or put PgBouncer in front).
"""

from __future__ import annotations

import os


def _cores() -> int:
    """The cores this process may run on (CPU affinity, e.g. a container's cpuset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * _cores()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 2)
# 20 MB bodies from slow partners still finish; a stuck request is killed and logged.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak in any library never grows without bound;
# jitter keeps them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
# The app is imported once in the master and forked: workers share its pages and start fast.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes"}
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a proxy on the same host or network; the app trusts X-Forwarded-Proto only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

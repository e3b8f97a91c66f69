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

The HTTP parsing limits and JSON error answers: gunicorn refuses an oversized request line
(414) or header (431) before Django sees the request, with an HTML body, while every error
under /api/ and /auth/ must be JSON (issue 11); the path is unknown then, so every such answer
is JSON.
"""

from __future__ import annotations

import json
import os
import socket

import gunicorn.util


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


# gunicorn's maximum; its default (4094) refused ordinary long filter URLs.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Django is not loaded in gunicorn's master, so these few texts cannot go through gettext.
_MESSAGES = {
    400: "Requisição HTTP malformada.",
    403: "Requisição recusada.",
    414: "A linha de requisição (método e URL) passa do tamanho máximo de %d bytes.",
    417: "Expectativa não atendida.",
    431: "Os cabeçalhos da requisição passam do tamanho máximo.",
    500: "Erro interno do servidor.",
    501: "Codificação de transferência não suportada.",
}


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's signature and job, answering `{"erro": …}` instead of HTML."""
    message = _MESSAGES.get(status_int, _MESSAGES[400])
    if status_int == 414:
        message %= limit_request_line
    body = json.dumps({"erro": message}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


# The workers call `util.write_error` through the module, so replacing it here (in the master,
# before they fork) covers every worker class.
gunicorn.util.write_error = write_json_error

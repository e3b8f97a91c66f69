"""The benchmarks' servers and workers, readiness, pipeline helpers and results.

Every benchmark runs against real processes on 127.0.0.1 — gunicorn with the production
settings and the project's `gunicorn.conf.py`, Celery workers, PostgreSQL, Redis — started and
stopped here, so no benchmark module carries its own copy of these helpers. The bench databases
live in `benchmarks.database`; measuring and stopping processes in `benchmarks.processes`.
"""

from __future__ import annotations

import http.client
import json
import os
import runpy
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any
from unittest import mock

from benchmarks.database import current_database_url
from benchmarks.processes import process_group_stop
from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results.json"
# Random per run: production settings refuse weak or well-known keys.
BENCH_SECRET_KEY = secrets.token_urlsafe(50)
HOST = "127.0.0.1"  # benchmarks never send traffic anywhere else


# --- servers and workers -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def production_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a production web process, on the bench database, quiet logs."""
    return {
        **os.environ,
        "DATABASE_URL": database_url or current_database_url(),
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
        # Plain HTTP on 127.0.0.1, and one bench account posting far past any sane quota.
        "SECURE_SSL_REDIRECT": "false",
        "INGEST_QUOTA_PER_MINUTE": "0",
        "INGEST_QUOTA_PER_DAY": "0",
        "THROTTLE_USER": "1000000/min",
        **extra,
    }


_static_collected = False


def collect_static(env: dict[str, str]) -> None:
    """With DEBUG off pages link hashed static names from collectstatic's manifest (once a run)."""
    global _static_collected
    if _static_collected:
        return
    _static_collected = True
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip


class Server:
    """A gunicorn master started with the project's gunicorn.conf.py, in its own session."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        process_group_stop(self.process)


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_answers(server: Server, path: str = "/", timeout: float = 60,
                       headers: dict[str, str] | None = None) -> None:  # fmt: skip
    """Poll `path` until it answers 200, failing early if gunicorn exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        with suppress(OSError):
            if http_get(server.port, path, headers) == 200:
                return
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer {path} within {timeout}s")


@contextmanager
def gunicorn(env: dict[str, str] | None = None, *, ready_path: str = "/",
             ready_headers: dict[str, str] | None = None,
             static: bool = True) -> Iterator[Server]:  # fmt: skip
    """gunicorn (production settings, gunicorn.conf.py) on a free local port until exit;
    `static=False` skips collectstatic (for servers that render no page)."""
    port = free_port()
    server_env = {**(env or production_env()), "GUNICORN_BIND": f"{HOST}:{port}"}
    if static:
        collect_static(server_env)
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "alumusic.wsgi"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=server_env, start_new_session=True)
    server = Server(process, port)
    try:
        wait_until_answers(server, ready_path, headers=ready_headers)
        # The first worker answers while the master may still be spawning the others (gunicorn
        # waits up to 0.1 s between forks): measure only once all of them are up.
        wait_for_workers(server, configured_workers(server_env))
        yield server
    finally:
        server.stop()


def configured_workers(env: dict[str, str]) -> int:
    """How many workers gunicorn.conf.py gives gunicorn under `env`."""
    with mock.patch.dict(os.environ, env):
        return int(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])


def wait_for_workers(server: Server, count: int, timeout: float = 30) -> None:
    """Poll until the master has `count` worker processes."""
    deadline = time.monotonic() + timeout
    while len(server.worker_pids()) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start {count} workers within {timeout}s")
        time.sleep(0.05)


@contextmanager
def celery_workers(concurrency: int = 1, env: dict[str, str] | None = None) -> Iterator[Any]:
    """One `celery worker` with `concurrency` pool processes on the bench database and Redis,
    reniced as in production (WORKER_NICENESS)."""
    from django.conf import settings

    from tests.worker import start_worker

    env = {"WORKER_NICENESS": str(settings.WORKER_NICENESS), **(env or {})}
    with tempfile.TemporaryDirectory() as tmp:
        worker = start_worker(Path(tmp), env=env, concurrency=concurrency)
        try:
            yield worker
        finally:
            worker.stop()


def broker_purge() -> None:
    from tests.worker import purge_broker

    purge_broker()


# --- the pipeline ------------------------------------------------------------------------------


def sample_texts(count: int) -> list[str]:
    """`count` realistic comments: the evaluation set's texts, cycled and numbered."""
    from tests.insights.helpers import sample_texts as texts

    return texts(count)


def local_model_ensure(variant: str = "default") -> None:
    """Build the local model's artifact in MODEL_DIR if missing or stale, before workers start
    (each would otherwise build its own on its first batch)."""
    from django.conf import settings

    from insights.classifiers.local.artifacts import load_or_build

    load_or_build(variant, settings.MODEL_DIR)


def wait_until_done(expected: int, timeout: float = 600, interval: float = 0.05) -> float:
    """Wait until `expected` comments are CONCLUIDO; return the moment (perf_counter) seen."""
    from comments.models import Comment, Status

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Comment.objects.filter(status=Status.DONE).count() >= expected:
            return time.perf_counter()
        if Comment.objects.filter(status=Status.FAILED).exists():
            raise RuntimeError("some comments FALHOU during the benchmark")
        time.sleep(interval)
    raise RuntimeError(f"the pipeline did not finish {expected} comments in {timeout}s")


def api_client_token(email: str, *, curator: bool = False) -> tuple[Any, str]:
    """A fresh account and its DRF token: an API client (sees its own comments) or a curator
    (sees every comment)."""
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from accounts.models import API_CLIENTS_GROUP, CURATORS_GROUP, User

    User.objects.filter(email=email).delete()
    user = User.objects.create_user(email=email, password=None)
    group = CURATORS_GROUP if curator else API_CLIENTS_GROUP
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user, Token.objects.create(user=user).key


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile of `values` (nearest rank; values need not be sorted)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- results -----------------------------------------------------------------------------------


def results_write(figures: Sequence[Figure], meta: dict[str, Any],
                  path: Path = RESULTS_PATH) -> Path:  # fmt: skip
    """Write every figure (value, unit, target, ratio, met) and the run's context as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{**asdict(f), "ratio": round(f.ratio, 4), "met": f.met} for f in figures]
    path.write_text(json.dumps({**meta, "figures": rows}, ensure_ascii=False, indent=2) + "\n")
    return path

"""The benchmarks' shared plumbing: bench databases, real processes, readiness, results.

Every benchmark runs against real processes on 127.0.0.1 — gunicorn with the production
settings and the project's `gunicorn.conf.py`, Celery workers, PostgreSQL, Redis — started and
stopped here, so no benchmark module carries its own copy of these helpers. It stays one
module (over 300 lines) for that reason: one home for every process the benchmarks start.
"""

from __future__ import annotations

import http.client
import json
import os
import runpy
import secrets
import signal
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

from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results.json"
# Random per run: production settings refuse weak or well-known keys.
BENCH_SECRET_KEY = secrets.token_urlsafe(50)
HOST = "127.0.0.1"  # benchmarks never send traffic anywhere else


# --- databases ---------------------------------------------------------------------------------


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, or `<DATABASE_URL's name>_bench` on the same server."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alumusic")
    return f"{base}_bench"


def _server_and_name(url: str) -> tuple[str, str]:
    server, name = url.rsplit("/", 1)
    return server, name


def _maintenance(url: str) -> Any:
    import psycopg

    server, _name = _server_and_name(url)
    return psycopg.connect(server.replace("postgres://", "postgresql://") + "/postgres",
                           autocommit=True)  # fmt: skip


def database_create(url: str) -> None:
    """Create the database named in `url` unless it exists."""
    _server, name = _server_and_name(url)
    with _maintenance(url) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    _server, name = _server_and_name(url)
    with _maintenance(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_use(url: str) -> None:
    """Point this process's Django connection at `url` (created and migrated if needed)."""
    from django.core.management import call_command
    from django.db import connection

    database_create(url)
    _server, name = _server_and_name(url)
    connection.close()
    connection.settings_dict["NAME"] = name
    os.environ["DATABASE_URL"] = url  # inherited by every process started below
    call_command("migrate", verbosity=0)


def current_database_url() -> str:
    from tests.worker import test_database_url

    return test_database_url()


def tables_empty() -> None:
    """TRUNCATE comments (tag links, search documents) and the LLM call log (fast at any size)."""
    from django.db import connection

    from comments.models import Comment, CommentSearch, CommentTag
    from insights.models import LLMCall

    with connection.cursor() as cursor:
        models = (CommentTag, CommentSearch, Comment, LLMCall)
        tables = ", ".join(m._meta.db_table for m in models)
        cursor.execute(f"TRUNCATE {tables}")


# --- processes ---------------------------------------------------------------------------------


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


def process_group_stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process's group (its children too); SIGKILL if it outstays `timeout`."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def peak_rss_mb(pid: int) -> float:
    """The most resident memory `pid` ever had (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds so far of each live pid in `pids`."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def postgres_backend_pids() -> list[int]:
    """The server processes of every other connection to this database (web, workers)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")  # fmt: skip
        return [row[0] for row in cursor.fetchall()]


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with suppress(OSError):
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending += [int(child) for child in children]
    return found


class CpuMeter:
    """CPU seconds spent by groups of processes between `start()` and `stop()`."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning the pids to count
        self.before: dict[str, dict[int, float]] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> None:
        self.before = {name: cpu_seconds(pids()) for name, pids in self.groups.items()}

    def stop(self) -> dict[str, float]:
        for name, pids in self.groups.items():
            after, before = cpu_seconds(pids()), self.before[name]
            self.spent[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        return self.spent


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

    from insights.classifiers.local.training import load_or_build

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

"""Start a real Celery worker process against Redis and the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from alumusic.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes started by a test."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def purge_broker() -> None:
    """Empty the broker's Redis database so no message from an earlier test is delivered."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 the whole worker (parent and pool children), as a crash would."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def start_worker(
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    queues: str = "classify,reports,default",
    concurrency: int = 1,
    beat: bool = False,
) -> WorkerProcess:
    """Start `celery -A alumusic worker` in its own process group and wait until it answers."""
    worker_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PYTHONUNBUFFERED": "1",
        # Full priority in tests: a reniced worker on a busy machine only slows the suite.
        "WORKER_NICENESS": "0",
        **(env or {}),
    }
    name = f"test-{os.getpid()}-{time.monotonic_ns()}@localhost"
    command = [
        sys.executable, "-m", "celery", "-A", "alumusic", "worker",
        "-Q", queues, "-c", str(concurrency), "-P", "prefork", "-n", name,
        "--without-gossip", "--without-mingle", "-l", "info",
    ]  # fmt: skip
    if beat:
        command += [
            "-B",
            "-s",
            str(tmp_path / "beat-schedule"),
            "--scheduler",
            "celery.beat:PersistentScheduler",
        ]
    log_path = tmp_path / f"worker-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = WorkerProcess(process, log_path)
    _wait_until_ready(worker, name)
    return worker


def _wait_until_ready(worker: WorkerProcess, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{worker.log()}")
        if app.control.ping(destination=[name], timeout=0.5):
            return
    worker.stop()
    raise RuntimeError(f"worker did not answer within {timeout}s:\n{worker.log()}")


@contextmanager
def running_worker(tmp_path: Path, **kwargs: object) -> Iterator[WorkerProcess]:
    worker = start_worker(tmp_path, **kwargs)  # type: ignore[arg-type]
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "") -> None:
    """Poll `predicate` until it is truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout}s")

"""Throwaway servers and processes for the fault tests: a private PostgreSQL cluster, beat."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.conf import settings

from tests.worker import ROOT, WorkerProcess

PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the cluster then belongs to `postgres`.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own on a free port: restarting it disturbs nobody."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="alumusic-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/alumusic"

    def create(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync", "-E", "UTF8"]),
            check=True, capture_output=True,
        )  # fmt: skip
        self.start()
        with psycopg.connect(self._admin_url(), autocommit=True) as connection:
            connection.execute("CREATE DATABASE alumusic")

    def _admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.root / "log"), "-w", *args]),
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """Stop at once (every connection is cut, as in a crash or failover) and start again."""
        self._ctl("restart", "-m", "immediate")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # never started, or stopped
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str) -> list[tuple]:
        """Run `sql` on the app database; [] while the server is restarting."""
        try:
            with psycopg.connect(self.url, connect_timeout=2) as connection:
                return connection.execute(sql).fetchall()
        except psycopg.OperationalError:
            return []


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run `manage.py <args>` in a subprocess with `env` on top of this one's; its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start_beat(tmp_path: Path, *, env: dict[str, str]) -> WorkerProcess:
    """`celery beat` with the database scheduler (as deployed), in its own process group."""
    beat_env = {**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, **env}
    log_path = tmp_path / f"beat-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "celery", "-A", "alumusic", "beat", "-l", "info",
               "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
               "--pidfile", ""]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=beat_env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return WorkerProcess(process, log_path)

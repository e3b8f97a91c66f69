"""Measuring and stopping the benchmarks' processes: memory, CPU seconds, process trees."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path


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
            fields = _stat_fields(pid)
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def _stat_fields(pid: int) -> list[str]:
    """`/proc/<pid>/stat` after the command name: [0] state, [1] ppid, [11] utime, …"""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def postgres_server_cpu() -> dict[int, float]:
    """CPU seconds so far of the local PostgreSQL server, except this process's own connection.

    Every server process counts (backends of every connection, WAL writer, checkpointer,
    autovacuum), and so do the backends that already exited: a Celery worker opens a
    connection per task (Celery's Django fixup closes it after each one), and those
    short-lived backends are where the pipeline's database work runs. Their CPU is in the
    postmaster's reaped-children counters, keyed here by the postmaster's negated pid.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    postmaster = int(_stat_fields(own)[1])
    live = [pid for pid in process_tree(postmaster) if pid != own]
    reaped = _stat_fields(postmaster)
    ticks = os.sysconf("SC_CLK_TCK")
    return {**cpu_seconds(live), -postmaster: (int(reaped[13]) + int(reaped[14])) / ticks}


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of `pid` and each of its live descendants."""
    return cpu_seconds(process_tree(pid))


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

    def __init__(self, groups: dict[str, Callable[[], dict[int, float]]]) -> None:
        # name -> {process: CPU seconds so far}, e.g. tree_cpu or postgres_server_cpu
        self.groups = groups
        self.before: dict[str, dict[int, float]] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> None:
        self.before = {name: read() for name, read in self.groups.items()}

    def stop(self) -> dict[str, float]:
        for name, read in self.groups.items():
            after, before = read(), self.before[name]
            self.spent[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
        return self.spent

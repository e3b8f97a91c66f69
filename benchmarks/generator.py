"""`generate_comments` into an empty database, every run (issue 12: >= 100,000 rows/s).

The 1M-row benchmarks keep their generated rows between runs, so they only generate when rows
are missing; this module measures the generator itself each time, in a scratch database
(`<bench database>_generate`) that it creates, fills and drops.
"""

from __future__ import annotations

import os
import threading
import time

from . import database, processes
from .report import Figure, print_figure

COUNT = int(os.environ.get("BENCH_GENERATE_COMMENTS", "1000000"))
TARGET_ROWS_PER_SECOND = 100_000.0


def run() -> list[Figure]:
    from comments.generation import comments_generate

    url = f"{database.bench_database_url()}_generate"
    database.database_drop(url)
    database.database_use(url)
    try:
        sampler = _BackendSampler()
        sampler.start()
        own = processes.cpu_seconds([os.getpid()])
        result = comments_generate(count=COUNT, seed=int(time.time()))
        generator_cpu = processes.cpu_seconds([os.getpid()])[os.getpid()] - own[os.getpid()]
        backends_cpu = sampler.stop()
        print(f"  generated {result.comments:,} comments and {result.tag_links:,} tag links "
              f"in {result.seconds:.1f}s", flush=True)  # fmt: skip
        # Sampled every 0.2 s, so a backend's last fraction of a second may be missed (most of
        # all for the parallel index-build workers, which live a second or so).
        print(f"  CPU s: generator {generator_cpu:.2f}, PostgreSQL backends {backends_cpu:.2f}",
              flush=True)  # fmt: skip
        figure = Figure(f"generate_comments: {COUNT:,} comments by COPY",
                        result.rows_per_second, "rows/s", TARGET_ROWS_PER_SECOND)  # fmt: skip
        return [print_figure(figure)]
    finally:
        from django.db import connection

        connection.close()
        database.database_drop(url)


class _BackendSampler(threading.Thread):
    """CPU of every backend connected to this database, read every 0.2 s: the generator's
    side connections come and go during the load, so a reading at the end would miss them."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.finished = threading.Event()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def run(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        keys = ("dbname", "user", "password", "host", "port")
        # Autocommit: inside a transaction pg_stat_activity keeps showing its first snapshot,
        # so the side connections and index-build workers that start later went unseen.
        settings = {k: params[k] for k in keys if params.get(k)}
        with psycopg.connect(**settings, autocommit=True) as watcher:
            while not self.finished.wait(0.2):
                pids = [row[0] for row in watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")]  # fmt: skip
                for pid, cpu in processes.cpu_seconds(pids).items():
                    # A backend that connects during the load started from (nearly) zero.
                    self.first.setdefault(pid, cpu if not self.last else 0.0)
                    self.last[pid] = cpu

    def stop(self) -> float:
        self.finished.set()
        self.join()
        return sum(cpu - self.first[pid] for pid, cpu in self.last.items())

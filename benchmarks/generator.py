"""`generate_comments` into an empty database, every run (issue 12: >= 100,000 rows/s).

The 1M-row benchmarks keep their generated rows between runs, so they only generate when rows
are missing; this module measures the generator itself each time, in a scratch database
(`<bench database>_generate`) that it creates, fills and drops.
"""

from __future__ import annotations

import os
import time

from . import harness
from .report import Figure, print_figure

COUNT = int(os.environ.get("BENCH_GENERATE_COMMENTS", "1000000"))
TARGET_ROWS_PER_SECOND = 100_000.0


def run() -> list[Figure]:
    from comments.generation import comments_generate

    url = f"{harness.bench_database_url()}_generate"
    harness.database_drop(url)
    harness.database_use(url)
    try:
        meter = harness.CpuMeter({"generator": lambda: [os.getpid()],
                                  "its PostgreSQL backend": _backend_pid})  # fmt: skip
        meter.start()
        result = comments_generate(count=COUNT, seed=int(time.time()))
        spent = meter.stop()
        print(f"  generated {result.comments:,} comments and {result.tag_links:,} tag links "
              f"in {result.seconds:.1f}s", flush=True)  # fmt: skip
        # Parallel index-build workers and other connections exit before the meter reads them.
        print("  CPU s: " + ", ".join(f"{name} {cpu:.2f}" for name, cpu in spent.items()),
              flush=True)  # fmt: skip
        figure = Figure(f"generate_comments: {COUNT:,} comments by COPY",
                        result.rows_per_second, "rows/s", TARGET_ROWS_PER_SECOND)  # fmt: skip
        return [print_figure(figure)]
    finally:
        from django.db import connection

        connection.close()
        harness.database_drop(url)


def _backend_pid() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return [cursor.fetchone()[0]]

"""Run every benchmark module (or those named on the command line), print and save the figures.

Each module in this package exposes `run() -> list[Figure]` and prints one line per figure.
The runner points Django at the bench database (`benchmarks.database.bench_database_url`),
creates and migrates it, and writes every figure to `bench/results.json`. A module that
crashes is reported and the run goes on; the exit status is then 1.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime

import django

# Cheapest first; the 1M-row modules last (they keep their rows in databases of their own).
MODULES_IN_ORDER = (
    "classifier", "ingestion", "pipeline", "gemini", "streaming", "generator", "public_report",
    "admin",
)  # fmt: skip


def main(names: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")
    from benchmarks import database, harness

    url = database.bench_database_url()
    os.environ["DATABASE_URL"] = url
    django.setup()
    database.database_use(url)
    available = {m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)])}
    selected = names or [n for n in MODULES_IN_ORDER if n in available]
    figures, crashed = [], []
    run_started = time.perf_counter()
    for name in selected:
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            figures += importlib.import_module(f"benchmarks.{name}").run()
        except Exception:
            traceback.print_exc()
            crashed.append(name)
        finally:
            database.database_use(url)  # a module may have switched to a database of its own
        print(f"  ({time.perf_counter() - started:.1f}s)", flush=True)
    seconds = time.perf_counter() - run_started
    path = harness.results_write(figures, _meta(selected, crashed, seconds))
    below = [f.name for f in figures if not f.met]
    print(f"\n{len(figures) - len(below)} of {len(figures)} figures meet their target "
          f"({seconds / 60:.1f} min); written to {path.relative_to(harness.ROOT)}.")  # fmt: skip
    if crashed:
        print(f"Crashed: {', '.join(crashed)}")
    return 1 if crashed else 0


def _meta(modules: list[str], crashed: list[str], seconds: float) -> dict[str, object]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()  # fmt: skip
    return {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cores": len(os.sched_getaffinity(0)),
        "load_average": os.getloadavg(),
        "modules": modules,
        "crashed": crashed,
        "seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

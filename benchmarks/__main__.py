"""Run every benchmark module (or those named on the command line) and print a summary.

Each module in this package exposes `run() -> list[Figure]`. The runner points Django at a
dedicated database (`<DATABASE_URL name>_bench`), creates and migrates it.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

import django

MODULES_IN_ORDER = ("classifier", "ingestion", "pipeline", "gemini", "public_report", "admin")


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alumusic")
    return base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_bench"


def _prepare_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    with psycopg.connect(
        server.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(names: list[str]) -> int:
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")
    django.setup()
    _prepare_database()
    available = {m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)])}
    selected = names or [n for n in MODULES_IN_ORDER if n in available]
    figures = []
    for name in selected:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        figures += module.run()
        print(f"  ({time.perf_counter() - started:.1f}s)", flush=True)
    below = [f for f in figures if not f.met]
    print(f"\n{len(figures) - len(below)} of {len(figures)} figures meet their target.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

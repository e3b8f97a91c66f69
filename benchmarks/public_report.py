"""The public report at 1,000,000 comments: snapshot rebuild, and `/relatorio/` and
`/api/relatorio/semana` served by a real gunicorn (DESIGN §8).

Runs in a database of its own (`<bench database>_report`), which keeps its million generated
comments between runs: they are generated (`comments.generation`) only when missing. Other
benchmarks never see them (their pending rows would wake the sweeper).
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .report import Figure, print_figure

ROOT = Path(__file__).resolve().parent.parent
COMMENTS = int(os.environ.get("BENCH_REPORT_COMMENTS", "1000000"))
HTTP_SECONDS = float(os.environ.get("BENCH_REPORT_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_REPORT_CLIENTS", "4"))
SERVER_WORKERS = int(os.environ.get("BENCH_REPORT_WORKERS", "2"))  # one per core
REBUILDS = 5
# ~A minute of traffic at 1M comments over 12 weeks (~12,000 a day), rounded up.
BEAT_COMMENTS = int(os.environ.get("BENCH_REPORT_BEAT_COMMENTS", "20"))


def run() -> list[Figure]:
    database_url = _use_own_database()
    figures = _ensure_comments()
    figures += _rebuild_figures()
    port = _free_port()
    _collect_static(database_url)
    server = _start_server(port, database_url)
    try:
        _wait_until_up(port, server)
        for path in ("/relatorio/", "/api/relatorio/semana"):
            figures += _http_figures(port, path)
    finally:
        _stop(server)
    return figures


def _use_own_database() -> str:
    """Point Django at `<bench>_report` (created and migrated if needed); return its URL."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    base = os.environ["DATABASE_URL"]
    server, name = base.rsplit("/", 1)
    own = f"{name}_report"
    with psycopg.connect(server.replace("postgres://", "postgresql://") + "/postgres",
                         autocommit=True) as admin:  # fmt: skip
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [own]).fetchone():
            admin.execute(f'CREATE DATABASE "{own}"')
    connection.close()
    connection.settings_dict["NAME"] = own
    call_command("migrate", verbosity=0)
    return f"{server}/{own}"


def _ensure_comments() -> list[Figure]:
    from django.db import connection

    from comments.generation import comments_generate
    from comments.models import Comment

    missing = COMMENTS - Comment.objects.count()
    if missing <= 0:
        print(f"  {COMMENTS:,} comments already in place; generation skipped", flush=True)
        return []
    result = comments_generate(count=missing, seed=int(time.time()))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
        cursor.execute("ANALYZE comments_commenttag")
    print(f"  generated {result.comments:,} comments and {result.tag_links:,} tag links "
          f"in {result.seconds:.1f}s", flush=True)  # fmt: skip
    return []  # the generator's own figure is benchmarks.generator's, measured every run


def _rebuild_figures() -> list[Figure]:
    from reports.models import ReportSnapshot
    from reports.services import snapshot_build

    started = time.perf_counter()
    snapshot_build(full=True)
    full_ms = (time.perf_counter() - started) * 1000
    print(f"  full rollup rebuild (every day, hourly by default): {full_ms:,.0f} ms", flush=True)
    steady = [_timed(snapshot_build) for _ in range(REBUILDS)]
    beats, redrawn = [], []
    for _ in range(REBUILDS):
        # A beat's worth of traffic (~a minute at 1M comments in 12 weeks) arrived since the
        # last build: the series it touches change, and their charts are redrawn.
        _arrive(BEAT_COMMENTS)
        before = _chart_hashes(ReportSnapshot.objects.latest("built_at"))
        beats.append(_timed(snapshot_build))
        after = _chart_hashes(ReportSnapshot.objects.latest("built_at"))
        redrawn.append(sum(after[key] != before.get(key) for key in after))
    worst = []
    for _ in range(REBUILDS):
        ReportSnapshot.objects.update(charts=[])  # nothing to reuse: all 8 charts drawn
        worst.append(_timed(snapshot_build))
    print(
        f"  beat rebuilds redrew {min(redrawn)}–{max(redrawn)} of 8 charts; with all 8 "
        f"redrawn and nothing new: {statistics.median(worst):,.0f} ms",
        flush=True,
    )
    return [
        print_figure(Figure("report: snapshot rebuild at 1M (median, nothing changed)",
                            statistics.median(steady), "ms", 1000, higher_is_better=False)),
        print_figure(Figure(f"report: snapshot rebuild at 1M (median, beat: {BEAT_COMMENTS} new "
                            "comments, changed charts redrawn)",
                            statistics.median(beats), "ms", 1000, higher_is_better=False)),
    ]  # fmt: skip


def _arrive(count: int) -> None:
    from comments.generation import comments_generate

    comments_generate(count=count, weeks=0, seed=int(time.time() * 1000) % 2**32)


def _chart_hashes(snapshot: object) -> dict[str, str]:
    return {chart["chave"]: chart["hash"] for chart in snapshot.charts}  # type: ignore[attr-defined]


def _timed(build: object) -> float:
    started = time.perf_counter()
    build()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(database_url: str) -> dict[str, str]:
    from benchmarks.harness import production_env  # production settings, as every benchmark

    return production_env(database_url)


def _collect_static(database_url: str) -> None:
    """With DEBUG off the pages link hashed static names, from the manifest collectstatic
    writes (in a process of its own: this one runs with DEBUG's storage)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=_server_env(database_url), check=True,
    )  # fmt: skip


def _start_server(port: int, database_url: str) -> subprocess.Popen[bytes]:
    env = _server_env(database_url)
    command = [
        sys.executable, "-m", "gunicorn", "alumusic.wsgi", "-b", f"127.0.0.1:{port}",
        "-w", str(SERVER_WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # What browsers send: the body is served pre-compressed.
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            if _get(port, "/relatorio/") == 200:
                break
        except OSError:
            time.sleep(0.2)
    for _ in range(SERVER_WORKERS * 20):  # every worker renders and memoises its page once
        _get(port, "/relatorio/")
        _get(port, "/api/relatorio/semana")


def _client(port: int, path: str, seconds: float, results: object) -> None:
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status = _get(port, path)
        latencies.append(time.perf_counter() - started)
        errors += status != 200
    results.put((latencies, errors))  # type: ignore[attr-defined]


def _http_figures(port: int, path: str) -> list[Figure]:
    results: multiprocessing.Queue = multiprocessing.Queue()
    clients = [
        multiprocessing.Process(target=_client, args=(port, path, HTTP_SECONDS, results))
        for _ in range(CLIENTS)
    ]
    started = time.perf_counter()
    for client in clients:
        client.start()
    gathered = [results.get() for _ in clients]
    for client in clients:
        client.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(t for batch, _errors in gathered for t in batch)
    errors = sum(e for _batch, e in gathered)
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"  {path}: {len(latencies):,} requests ({errors} not 200) from {CLIENTS} clients, "
          f"p99 {p99:.1f} ms", flush=True)  # fmt: skip
    return [
        print_figure(Figure(f"report: GET {path} p50", p50, "ms", 10, higher_is_better=False)),
        print_figure(Figure(f"report: GET {path} throughput", len(latencies) / elapsed,
                            "req/s", 1000)),
    ]  # fmt: skip


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)

"""The curators' admin at 1,000,000 comments: server time per page, and a 1M-row CSV export.

Pages are requested through Django's test client in this process (server time: URL routing,
queries, rendering), the median of several requests after one warm-up. The export runs in a
child process, whose peak resident memory (VmHWM) is the figure. Not ru_maxrss: Linux carries
it over from the parent across fork and exec, so it reported the bench process's own size
(~500 MB after generating a million comments) instead of the export's.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from benchmarks.report import Figure, print_figure

TARGET_COMMENTS = 1_000_000
PAGE_TARGET_MS = 300.0
EXPORT_TARGET_MB = 300.0
REPEATS = 5

PAGES = {
    "dashboard (cached figures)": "/admin/",
    "comment list": "/admin/comments/comment/",
    "filtered list (status + category + confidence)": (
        "/admin/comments/comment/?status__exact=CONCLUIDO&category__exact=CR%C3%8DTICA"
        "&confianca=60-80"
    ),
    "search (full-text, 'ingresso')": "/admin/comments/comment/?q=ingresso",
    "review queue": "/admin/comments/reviewqueuecomment/",
}

EXPORT_CHILD = """
import os, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")
django.setup()
from comments.exporting import export_job_create, export_job_run
from comments.models import Comment, ExportJob
from django.db import transaction
from accounts.models import User
user = User.objects.get(email="bench-curadoria@alumusic.local")
with transaction.atomic():
    job = export_job_create(queryset=Comment.objects.order_by("-received_at", "-id"),
                            file_format="csv", user=user, total=0)
started = time.perf_counter()
export_job_run(job_id=str(job.pk))
elapsed = time.perf_counter() - started
job = ExportJob.objects.get(pk=job.pk)
status = open("/proc/self/status").read()
peak_kb = int(status.split("VmHWM:")[1].split()[0])
print(job.rows_written, elapsed, peak_kb / 1024)
"""


def _ensure_comments() -> int:
    from django.db import connection

    from comments.generation import comments_generate
    from comments.models import Comment

    existing = Comment.objects.count()
    if existing < TARGET_COMMENTS:
        print(f"  generating {TARGET_COMMENTS - existing:,} comments …", flush=True)
        comments_generate(count=TARGET_COMMENTS - existing)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE comments_comment")
        cursor.execute("VACUUM ANALYZE comments_commenttag")
        cursor.execute("VACUUM ANALYZE comments_commentsearch")
    return Comment.objects.count()


def _median_ms(request: Callable[[], object]) -> float:
    request()  # warm-up: connections, templates, the dashboard cache
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        request()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _page_figures() -> list[Figure]:
    from django.test import Client

    from accounts.services import curator_ensure

    client = Client()
    client.force_login(curator_ensure(email="bench-curadoria@alumusic.local").user)
    figures = []
    for name, url in PAGES.items():

        def get(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        value = _median_ms(get)
        figures.append(print_figure(Figure(f"admin {name}", value, "ms", PAGE_TARGET_MS, False)))
    return figures


def _dashboard_cold() -> Figure:
    from reports.dashboard.selectors import dashboard_compute

    started = time.perf_counter()
    dashboard_compute()
    value = (time.perf_counter() - started) * 1000
    # Computed once per DASHBOARD_CACHE_SECONDS for every open dashboard: not a page's cost.
    print(f"  dashboard figures recomputed (cache miss, once per cache period): {value:,.0f} ms")
    return Figure("admin dashboard cache miss (once per 30 s)", value, "ms", 1000.0, False)


def _export_figures() -> list[Figure]:
    result = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD], capture_output=True, text=True, check=True
    )
    rows, seconds, peak_mb = result.stdout.split()[-3:]
    rate = int(rows) / float(seconds)
    return [
        print_figure(
            Figure("1M-row CSV export peak memory", float(peak_mb), "MB", EXPORT_TARGET_MB, False)
        ),
        print_figure(Figure("1M-row CSV export rows per second", rate, "rows/s", 50_000.0)),
    ]


def run() -> list[Figure]:
    total = _ensure_comments()
    print(f"  {total:,} comments in the bench database", flush=True)
    figures = _page_figures()
    figures.append(print_figure(_dashboard_cold()))
    return figures + _export_figures()

"""Large exports: a Celery job streams the filtered comments to a file in constant memory.

django-import-export builds the whole dataset in memory (tablib), fine for the admin's small
exports; above EXPORT_ASYNC_THRESHOLD rows the admin creates an ExportJob instead, and a worker
writes CSV, JSON or XLSX chunk by chunk, recording its progress for the curator's page.
"""

from __future__ import annotations

import csv
import json
import logging
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from comments.export_copy import csv_copy_write
from comments.models import Comment, CommentTag, ExportFormat, ExportJob, ExportStatus
from comments.resources import EXPORT_CHUNK_SIZE, CommentResource, escape_formula
from common.db import is_postgres

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

RUN_TASK = "comments.tasks.export_job_run"
PROGRESS_EVERY = 10_000


def export_headers() -> list[str]:
    """The columns of every export, small or large: the admin resource's (API names)."""
    return list(CommentResource().get_export_headers())


def export_job_create(
    *, queryset: QuerySet[Comment], file_format: str, user: User, total: int
) -> ExportJob:
    """Record the export of `queryset` and enqueue the worker that writes it."""
    job = ExportJob.objects.create(
        requested_by=user,
        file_format=file_format,
        query=pickle.dumps(queryset.query),
        total_rows=total,
    )
    transaction.on_commit(lambda: current_app.signature(RUN_TASK).apply_async(args=[str(job.pk)]))
    return job


def export_job_run(*, job_id: str) -> None:
    """Write the job's file; a job already taken by another worker is left alone."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return
    job = ExportJob.objects.get(pk=job_id)
    path = export_path(job)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = _write(job, path)
    except Exception as error:
        logger.exception("Export %s failed", job_id)
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(error)[:500]
        )
        return
    now = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        rows_written=written,
        file_name=path.name,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.EXPORT_FILE_TTL_HOURS),
    )


def export_path(job: ExportJob) -> Path:
    return Path(settings.EXPORT_DIR) / f"comentarios-{job.pk}.{job.file_format}"


def _queryset(job: ExportJob) -> QuerySet[Comment]:
    queryset = Comment.objects.all()
    queryset.query = pickle.loads(bytes(job.query))
    return queryset


def _progress(job: ExportJob) -> Callable[[int], None]:
    def record(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

    return record


@contextmanager
def _side_progress(job: ExportJob) -> Iterator[Callable[[int], None]]:
    """Progress written through a connection of its own: the default one is busy streaming
    the COPY. Inside a transaction (tests) the job's row is not visible to another
    connection, or is locked by ours, so progress then waits for the final count."""
    if connection.in_atomic_block:
        yield lambda rows: None
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = connection.ops.quote_name(ExportJob._meta.db_table)

    def record(rows: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET rows_written = %s WHERE id = %s", [rows, job.pk])

    try:
        yield record
    finally:
        side.close()


_ROW_COLUMNS = ("id", "text", "status", "category", "confidence", "received_at", "source",
                "needs_review", "classifier_backend")  # fmt: skip


def _rows(job: ExportJob) -> Iterator[list[Any]]:
    """Each comment's cells, in export_headers() order, from plain tuples and the tags of
    each chunk in one query (model instances and a prefetch per chunk cost ~0.15 ms a row)."""
    record = _progress(job)
    rows = _queryset(job).select_related(None).prefetch_related(None).values_list(*_ROW_COLUMNS)
    stream, number = rows.iterator(chunk_size=EXPORT_CHUNK_SIZE), 0
    while chunk := list(islice(stream, EXPORT_CHUNK_SIZE)):
        tags = _tag_codes([row[0] for row in chunk])
        for pk, text, status, category, confidence, received, source, review, backend in chunk:
            yield [str(pk), text, status, category or "", "" if confidence is None else confidence,
                   tags.get(pk, ""), received.isoformat(), source, review, backend]  # fmt: skip
            number += 1
            if number % PROGRESS_EVERY == 0:
                record(number)


def _tag_codes(ids: list[Any]) -> dict[Any, str]:
    """Comment id → its tag codes, sorted and comma-separated (the `tags` cell)."""
    links = (
        CommentTag.objects.filter(comment_id__in=ids)
        .order_by("tag__code")
        .values_list("comment_id", "tag__code")
    )
    codes: dict[Any, list[str]] = defaultdict(list)
    for comment_id, code in links:
        codes[comment_id].append(code)
    return {comment_id: ", ".join(tags) for comment_id, tags in codes.items()}


def _write(job: ExportJob, path: Path) -> int:
    file_format = ExportFormat(job.file_format)
    if file_format == ExportFormat.CSV and is_postgres():
        with path.open("wb") as handle, _side_progress(job) as progress:
            return csv_copy_write(_queryset(job), handle, export_headers(),
                                  progress=progress, every=PROGRESS_EVERY)  # fmt: skip
    writers = {
        ExportFormat.CSV: _write_csv,
        ExportFormat.JSON: _write_json,
        ExportFormat.XLSX: _write_xlsx,
    }
    return writers[file_format](_rows(job), path)


def _write_csv(rows: Iterator[list[Any]], path: Path) -> int:
    count = 0
    # utf-8-sig: Excel opens the accents right.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(export_headers())
        for row in rows:
            writer.writerow([escape_formula(cell) for cell in row])
            count += 1
    return count


def _write_json(rows: Iterator[list[Any]], path: Path) -> int:
    headers = export_headers()
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for row in rows:
            _json_item(handle, dict(zip(headers, row, strict=True)), first=count == 0)
            count += 1
        handle.write("]\n")
    return count


def _json_item(handle: IO[str], item: dict[str, Any], *, first: bool) -> None:
    handle.write("" if first else ",\n")
    handle.write(json.dumps(item, ensure_ascii=False))


def _write_xlsx(rows: Iterator[list[Any]], path: Path) -> int:
    from openpyxl import Workbook

    # write_only streams rows to disk instead of keeping every cell object in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("comentarios")
    sheet.append(export_headers())
    count = 0
    for row in rows:
        sheet.append([escape_formula(cell) for cell in row])
        count += 1
    workbook.save(str(path))
    return count


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete the files of finished exports past their expiry; the jobs stay, marked expired."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
    count = 0
    for job in expired.iterator():
        export_path(job).unlink(missing_ok=True)
        count += ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED)
    return count


def export_file_for(job: ExportJob) -> Path | None:
    """The job's file when it can still be downloaded, else None."""
    if job.status != ExportStatus.DONE or (job.expires_at and job.expires_at <= timezone.now()):
        return None
    path = export_path(job)
    return path if path.exists() else None

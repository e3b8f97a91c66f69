"""Celery tasks of the comments app: large exports (thin wrappers around comments.exporting)."""

from __future__ import annotations

from celery import shared_task

from comments.exporting import export_job_run, exports_purge_expired


@shared_task(name="comments.tasks.export_job_run")
def export_job_run_task(job_id: str) -> None:
    """Write one export job's file (idempotent: a job runs once)."""
    export_job_run(job_id=job_id)


@shared_task(name="comments.tasks.exports_purge_expired")
def exports_purge_expired_task() -> None:
    """Beat task: delete export files past EXPORT_FILE_TTL_HOURS."""
    exports_purge_expired()

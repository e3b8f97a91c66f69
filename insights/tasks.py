"""Celery tasks of the classification pipeline: thin wrappers around `insights.pipeline`."""

from __future__ import annotations

from celery import shared_task

from insights.pipeline.classify import comments_classify
from insights.pipeline.recovery import comments_retry_transient_failures
from insights.pipeline.sweep import comments_sweep


@shared_task(name="insights.tasks.classify_batch")
def classify_batch(comment_ids: list[str], backend_name: str | None = None) -> None:
    """Classify the still-PENDENTE comments among `comment_ids`; retries live in the service."""
    comments_classify(comment_ids=comment_ids, backend_name=backend_name)


@shared_task(name="insights.tasks.sweep_stuck_comments")
def sweep_stuck_comments() -> None:
    """Beat task: re-enqueue comments no task will finish (DESIGN §4.3)."""
    comments_sweep()


@shared_task(name="insights.tasks.retry_transient_failures")
def retry_transient_failures() -> None:
    """Beat task: FALHOU comments of a transient failure get another try (issue 11)."""
    comments_retry_transient_failures()

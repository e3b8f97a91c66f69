"""Celery tasks of the classification pipeline: thin wrappers around `insights.services`."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="insights.tasks.classify_batch")
def classify_batch(comment_ids: list[str]) -> None:
    """Classify the still-PENDENTE comments among `comment_ids` (implemented in issue #4)."""
    # The classifier lands with issue #4; until then comments stay PENDENTE.
    return None

"""Enqueue classification: batches of ids onto the `classify` queue, by task name."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comments.models import Comment, Status
from insights.pipeline import store

logger = logging.getLogger(__name__)

CLASSIFY_TASK = "insights.tasks.classify_batch"


def classification_enqueue(
    *,
    comment_ids: Sequence[str],
    backend_name: str | None = None,
    countdown: float | None = None,
    batch_size: int | None = None,
) -> int:
    """Enqueue `classify_batch` tasks of at most `batch_size` ids; return the task count.

    A broker outage is logged, not raised: the comments are already committed as PENDENTE and
    the sweeper re-enqueues them later (DESIGN §4.3).
    """

    size = batch_size or settings.CLASSIFY_BATCH_SIZE
    batches = [list(map(str, comment_ids[i : i + size])) for i in range(0, len(comment_ids), size)]
    kwargs = {"backend_name": backend_name} if backend_name else {}
    for sent, batch in enumerate(batches):
        try:
            # By name (HackSoft's pattern): the task module imports the pipeline, never the reverse.
            # argsrepr: Celery otherwise builds a repr of every id for the message headers
            # (half the publish time); monitoring shows the count instead.
            current_app.signature(CLASSIFY_TASK).apply_async(
                args=[batch], kwargs=kwargs, countdown=countdown, argsrepr=f"[<{len(batch)} ids>]"
            )
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.exception("Could not enqueue %d classification batches", len(batches) - sent)
            return sent
    return len(batches)


def comments_enqueue_pending(
    *,
    comment_ids: Sequence[str],
    backend_name: str | None = None,
    batch_size: int | None = None,
) -> int:
    """Enqueue the PENDENTE comments among `comment_ids` now; return how many were enqueued."""
    with transaction.atomic():
        pending = Comment.objects.filter(id__in=store.as_uuids(comment_ids), status=Status.PENDING)
        ids = [str(pk) for pk in pending.values_list("id", flat=True)]
        # Bumped so the sweeper does not enqueue them a second time.
        Comment.objects.filter(id__in=ids).update(enqueued_at=timezone.now())
        transaction.on_commit(
            lambda: classification_enqueue(
                comment_ids=ids, backend_name=backend_name, batch_size=batch_size
            )
        )
    return len(ids)


def comments_requeue_failed(
    *, comment_ids: Sequence[str], backend_name: str | None = None, enqueue: bool = True
) -> list[str]:
    """Give FALHOU comments a fresh start (PENDENTE, attempts 0), enqueued unless told not to.

    Returns the ids requeued; `enqueue=False` is for callers that classify them in-process.
    """
    with transaction.atomic():
        failed = Comment.objects.filter(id__in=store.as_uuids(comment_ids), status=Status.FAILED)
        requeued = [str(pk) for pk in failed.values_list("id", flat=True)]
        Comment.objects.filter(id__in=requeued, status=Status.FAILED).update(
            status=Status.PENDING,
            attempts=0,
            last_error="",
            failure_kind="",
            retrying_since=None,
            enqueued_at=timezone.now(),
        )
        if enqueue:
            transaction.on_commit(
                lambda: classification_enqueue(comment_ids=requeued, backend_name=backend_name)
            )
    return requeued

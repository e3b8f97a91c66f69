"""Give FALHOU comments of a transient failure another try once the provider answers again.

Run by beat (`insights.tasks.retry_transient_failures`, every FAILED_RETRY_INTERVAL_SECONDS).
While the provider is not known to answer, each run sends one batch as a probe: those comments
keep their `retrying_since`, whose budget has run out, so a continued outage fails them again
after a single call. Once the probe (or any other call) succeeds, the next run requeues the
rest, in bounded chunks, with a fresh budget.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comments.models import Comment, FailureKind, Status
from common.db import skip_locked
from insights import selectors
from insights.pipeline.enqueue import classification_enqueue

logger = logging.getLogger(__name__)


def comments_retry_transient_failures(*, now: datetime | None = None) -> int:
    """Requeue FALHOU comments whose failure was transient; return how many were requeued."""
    now = now or timezone.now()
    window = timedelta(seconds=2 * settings.FAILED_RETRY_INTERVAL_SECONDS)
    answering = selectors.llm_provider_answering(since=now - window)
    limit = settings.FAILED_RETRY_MAX_PER_RUN if answering else settings.CLASSIFY_BATCH_SIZE
    with transaction.atomic():
        failed = Comment.objects.filter(
            status=Status.FAILED, failure_kind=FailureKind.TRANSIENT
        ).order_by()
        ids = [str(pk) for pk in skip_locked(failed).values_list("id", flat=True)[:limit]]
        fields: dict[str, object] = {"status": Status.PENDING, "enqueued_at": now}
        if answering:
            fields["retrying_since"] = None  # the provider is back: a fresh budget
        # A probe keeps its spent budget: see the module docstring.
        Comment.objects.filter(id__in=ids).update(**fields)
        transaction.on_commit(lambda: classification_enqueue(comment_ids=ids))
    if ids:
        logger.info(
            "Re-trying %d comments that failed transiently (provider answering: %s)",
            len(ids), answering,
        )  # fmt: skip
    return len(ids)

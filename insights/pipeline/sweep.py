"""The sweeper: recover comments no task will finish (DESIGN §4.3)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment, FailureKind, Status
from common.db import skip_locked
from insights import selectors
from insights.pipeline.enqueue import classification_enqueue

logger = logging.getLogger(__name__)

# A sweep enqueues at most this many batches; a bigger backlog is taken over the next sweeps.
SWEEP_MAX_BATCHES = 200
# Messages waiting in the classify queue above which overdue PENDENTE rows are left alone.
SWEEP_BUSY_QUEUE_LENGTH = 20


@dataclass(frozen=True)
class SweepOutcome:
    """What one sweep did: claims returned, claims given up, pending comments re-enqueued."""

    returned: int
    failed: int
    reenqueued: int


def comments_sweep() -> SweepOutcome:
    """Recover comments no task will finish: expired claims and PENDENTE rows with no task."""
    now = timezone.now()
    returned, failed = _expire_claims(now)
    reenqueued = _reenqueue_stale_pending(now)
    if returned or failed or reenqueued:
        logger.info(
            "Sweep: %d claims returned, %d failed, %d comments re-enqueued",
            returned, failed, reenqueued,
        )  # fmt: skip
    return SweepOutcome(returned=returned, failed=failed, reenqueued=reenqueued)


def _expire_claims(now: datetime) -> tuple[int, int]:
    """Expired PROCESSANDO claims (a killed worker) go back to PENDENTE, or to FALHOU."""
    expired = Comment.objects.filter(
        status=Status.PROCESSING, claimed_at__lt=now - settings.SWEEPER_PROCESSING_AFTER
    )
    # A comment that keeps killing its worker must not be redelivered forever (DESIGN §4.3).
    failed = expired.filter(attempts__gte=settings.CLASSIFY_MAX_ATTEMPTS).update(
        status=Status.FAILED,
        claimed_at=None,
        last_error=_("O processamento foi interrompido repetidamente."),
        failure_kind=FailureKind.PERMANENT,
        retrying_since=None,
    )
    # enqueued_at NULL makes the pending step below enqueue them in this same sweep.
    returned = expired.update(status=Status.PENDING, claimed_at=None, enqueued_at=None)
    return returned, failed


def _reenqueue_stale_pending(now: datetime) -> int:
    """Enqueue PENDENTE comments whose task is overdue, in bounded chunks; bump enqueued_at.

    NULL enqueued_at (a returned claim) is always enqueued. An overdue one only while the
    classify queue is short: behind a long queue it is most likely still waiting in it, and
    re-enqueueing a whole backlog every sweep would only make the queue longer.
    """
    stale = Q(enqueued_at__isnull=True)
    if not _classify_queue_busy():
        stale |= Q(enqueued_at__lt=now - settings.SWEEPER_PENDING_AFTER)
    size = settings.CLASSIFY_BATCH_SIZE
    total = 0
    for _batch in range(SWEEP_MAX_BATCHES):
        with transaction.atomic():
            pending = Comment.objects.filter(stale, status=Status.PENDING).order_by()
            ids = [str(pk) for pk in skip_locked(pending).values_list("id", flat=True)[:size]]
            Comment.objects.filter(id__in=ids).update(enqueued_at=now)
        if not ids:
            break
        if not classification_enqueue(comment_ids=ids):
            break  # the broker is down; the next sweep tries again
        total += len(ids)
    return total


def _classify_queue_busy() -> bool:
    lengths = selectors.broker_queue_lengths()
    return lengths is not None and lengths["classify"] >= SWEEP_BUSY_QUEUE_LENGTH

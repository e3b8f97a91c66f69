"""Classification pipeline services: enqueue, classify (claim, validate, store), retry, sweep.

The bulk SQL lives in `insights.store`; validation of a backend's answer in
`insights.validation`. Tasks and commands call only the public functions here.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment, Status

from . import selectors, store
from .classifiers import get_backend
from .classifiers.base import (
    BackendError,
    BatchResult,
    ClassificationFailure,
    ClassifierBackend,
    CommentInput,
)
from .validation import Problem, validate_batch

logger = logging.getLogger(__name__)

# A sweep enqueues at most this many batches; a bigger backlog is taken over the next sweeps.
SWEEP_MAX_BATCHES = 200
# Messages waiting in the classify queue above which overdue PENDENTE rows are left alone.
SWEEP_BUSY_QUEUE_LENGTH = 20


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
    from .tasks import classify_batch

    size = batch_size or settings.CLASSIFY_BATCH_SIZE
    batches = [list(map(str, comment_ids[i : i + size])) for i in range(0, len(comment_ids), size)]
    kwargs = {"backend_name": backend_name} if backend_name else {}
    for sent, batch in enumerate(batches):
        try:
            classify_batch.apply_async(args=[batch], kwargs=kwargs, countdown=countdown)
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
        ids = list(pending.values_list("id", flat=True))
        # Bumped so the sweeper does not enqueue them a second time.
        Comment.objects.filter(id__in=ids).update(enqueued_at=timezone.now())
        transaction.on_commit(
            lambda: classification_enqueue(
                comment_ids=ids, backend_name=backend_name, batch_size=batch_size
            )
        )
    return len(ids)


@dataclass
class ClassifyOutcome:
    """What one `comments_classify` call did with the ids it was given."""

    requested: int = 0
    claimed: int = 0
    classified: int = 0
    retrying: int = 0
    failed: int = 0
    # Results computed but not stored because the claim had been handed to another worker.
    stale: int = 0
    retry_in_seconds: float | None = None
    errors: dict[str, int] = field(default_factory=dict)


def comments_classify(
    *, comment_ids: Sequence[str], backend_name: str | None = None
) -> ClassifyOutcome:
    """Classify the still-PENDENTE comments among `comment_ids`, each exactly once.

    Claims the rows (so a duplicate delivery finds nothing to do), calls the backend once,
    stores only validated results, and sends each problem to a retry or to FALHOU.
    """
    ids = store.as_uuids(comment_ids)
    outcome = ClassifyOutcome(requested=len(ids))
    backend = get_backend(backend_name)  # loaded before claiming: a slow first load holds no rows
    token = timezone.now()
    claimed = store.claim(ids, token)
    outcome.claimed = len(claimed)
    if not claimed:
        return outcome
    items = [CommentInput(id=c.id, text=c.text) for c in claimed]
    result, retry_after = _call_backend(backend, items)
    _store_outcome(claimed, result, token, outcome, backend_name, retry_after)
    return outcome


def _call_backend(
    backend: ClassifierBackend, items: Sequence[CommentInput]
) -> tuple[BatchResult, float | None]:
    """The backend's answer; a failed call becomes a failure for every item in it."""
    try:
        result = backend.classify(items)
        return result, result.retry_after
    except BackendError as error:
        logger.warning("Backend %s failed for %d comments: %s", backend.name, len(items), error)
        reason = _("Falha no classificador: %(erro)s") % {"erro": str(error)[:500]}
        return _whole_batch_failed(items, reason, error.retryable), error.retry_after
    except Exception as error:  # a backend bug must not leave the rows PROCESSANDO
        logger.exception("Backend %s crashed on %d comments", backend.name, len(items))
        reason = _("Erro inesperado no classificador: %(erro)s") % {"erro": repr(error)[:500]}
        return _whole_batch_failed(items, reason, retryable=True), None


def _whole_batch_failed(items: Sequence[CommentInput], reason: str, retryable: bool) -> BatchResult:
    return BatchResult(failures=[ClassificationFailure(i.id, reason, retryable) for i in items])


def _store_outcome(
    claimed: Sequence[store.ClaimedComment],
    result: BatchResult,
    token: datetime,
    outcome: ClassifyOutcome,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    items = [CommentInput(id=c.id, text=c.text) for c in claimed]
    validated = validate_batch(items, result)
    rows = [store.ResultRow(c, store.review_needed(c)) for c in validated.accepted]
    now = timezone.now()
    written = store.write_results(rows, token, now)
    outcome.classified = len(written)
    outcome.stale = len(rows) - len(written)
    attempts = {c.id: c.attempts for c in claimed}
    _handle_problems(validated.problems, attempts, token, outcome, backend_name, retry_after)


def _handle_problems(
    problems: Sequence[Problem],
    attempts: dict[str, int],
    token: datetime,
    outcome: ClassifyOutcome,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    """Retry what may succeed later (with backoff), fail the rest with a readable reason."""
    if not problems:
        return
    to_retry: dict[str, list[str]] = defaultdict(list)
    to_fail: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        exhausted = attempts[problem.id] >= settings.CLASSIFY_MAX_ATTEMPTS
        (to_fail if exhausted or not problem.retryable else to_retry)[problem.reason].append(
            problem.id
        )
        outcome.errors[problem.reason] = outcome.errors.get(problem.reason, 0) + 1
    for reason, ids in to_fail.items():
        outcome.failed += store.fail(ids, token, reason=reason)
    if to_retry:
        _schedule_retry(to_retry, attempts, token, outcome, backend_name, retry_after)


def _schedule_retry(
    to_retry: dict[str, list[str]],
    attempts: dict[str, int],
    token: datetime,
    outcome: ClassifyOutcome,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    retry_ids = [pk for ids in to_retry.values() for pk in ids]
    delay = retry_delay(
        attempt=max(attempts[pk] for pk in retry_ids),
        base=settings.CLASSIFY_RETRY_BASE_SECONDS,
        cap=settings.CLASSIFY_RETRY_MAX_SECONDS,
        retry_after=retry_after,
    )
    # enqueued_at is set to when the retry is due, so the sweeper does not run it early.
    due_at = timezone.now() + timedelta(seconds=delay)
    with transaction.atomic():
        for reason, ids in to_retry.items():
            outcome.retrying += store.release(ids, token, reason=reason, due_at=due_at)
    outcome.retry_in_seconds = delay
    logger.info("Retrying %d comments in %.1fs", len(retry_ids), delay)
    classification_enqueue(comment_ids=retry_ids, backend_name=backend_name, countdown=delay)


def retry_delay(
    *,
    attempt: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before retry number `attempt`: exponential backoff with full jitter, capped.

    Full jitter (a uniform draw in [0, base·2^(attempt-1)]) spreads retries of many workers;
    a delay the server asked for (429 RetryInfo) wins when it is longer.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = rand() * ceiling
    if retry_after is not None and retry_after > delay:
        return float(retry_after)
    return delay


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
            ids = list(_skip_locked(pending).values_list("id", flat=True)[:size])
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


def _skip_locked(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    """Rows a concurrent sweep holds are skipped (PostgreSQL); other databases just lock."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


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
            status=Status.PENDING, attempts=0, last_error="", enqueued_at=timezone.now()
        )
        if enqueue:
            transaction.on_commit(
                lambda: classification_enqueue(comment_ids=requeued, backend_name=backend_name)
            )
    return requeued

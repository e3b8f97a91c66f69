"""Classify a batch: claim the rows, call the backend once, validate, store, retry or fail."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.classifiers import get_backend
from insights.domain import (
    BackendError,
    BatchResult,
    ClassificationFailure,
    ClassifierBackend,
    CommentInput,
)
from insights.pipeline import store
from insights.pipeline.enqueue import classification_enqueue
from insights.pipeline.review import review_needed
from insights.pipeline.validation import Problem, validate_batch

logger = logging.getLogger(__name__)


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
    rows = [store.ResultRow(c, review_needed(c)) for c in validated.accepted]
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

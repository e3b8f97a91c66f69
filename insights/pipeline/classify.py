"""Classify a batch: claim the rows, call the backend once, validate, store, retry or fail."""

from __future__ import annotations

import logging
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import FailureKind
from insights import selectors
from insights.classifiers import get_backend
from insights.domain import (
    BackendError,
    BatchResult,
    Classification,
    ClassificationFailure,
    ClassifierBackend,
    CommentInput,
)
from insights.pipeline import store
from insights.pipeline.enqueue import classification_enqueue
from insights.pipeline.review import classification_review
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
    # Loaded before claiming: a slow first load holds no rows.
    backend = get_backend(_within_budget(backend_name))
    token = timezone.now()
    claimed = store.claim(ids, token)
    outcome.claimed = len(claimed)
    if not claimed:
        return outcome
    items = [CommentInput(id=c.id, text=c.text) for c in claimed]
    result, retry_after = _call_backend(backend, items)
    _store_outcome(claimed, result, token, outcome, backend, backend_name, retry_after)
    return outcome


def _within_budget(backend_name: str | None) -> str:
    """`backend_name`, or the local backend once Gemini's daily token budget is spent."""
    name = backend_name or settings.CLASSIFIER_BACKEND
    if name == "gemini" and selectors.llm_budget_status().exhausted:
        logger.warning("Gemini daily token budget exhausted; classifying with the local model")
        return "local"
    return name


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
        failed = _whole_batch_failed(items, reason, error.retryable, error.transient)
        return failed, error.retry_after
    except Exception as error:  # a backend bug must not leave the rows PROCESSANDO
        logger.exception("Backend %s crashed on %d comments", backend.name, len(items))
        reason = _("Erro inesperado no classificador: %(erro)s") % {"erro": repr(error)[:500]}
        return _whole_batch_failed(items, reason, retryable=True), None


def _whole_batch_failed(
    items: Sequence[CommentInput], reason: str, retryable: bool, transient: bool = False
) -> BatchResult:
    return BatchResult(
        failures=[ClassificationFailure(i.id, reason, retryable, transient) for i in items]
    )


def _store_outcome(
    claimed: Sequence[store.ClaimedComment],
    result: BatchResult,
    token: datetime,
    outcome: ClassifyOutcome,
    backend: ClassifierBackend,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    items = [CommentInput(id=c.id, text=c.text) for c in claimed]
    validated = validate_batch(items, result)
    texts = {c.id: c.text for c in claimed}
    opinions = _second_opinions(backend, validated.accepted, texts)
    rows = [_result_row(c, texts[c.id], opinions.get(c.id)) for c in validated.accepted]
    now = timezone.now()
    written = store.write_results(rows, token, now)
    outcome.classified = len(written)
    outcome.stale = len(rows) - len(written)
    by_id = {c.id: c for c in claimed}
    _handle_problems(validated.problems, by_id, token, outcome, backend_name, retry_after)


def _second_opinions(
    backend: ClassifierBackend, accepted: Sequence[Classification], texts: dict[str, str]
) -> dict[str, Classification]:
    """The local model's verdicts on what Gemini classified (issue 11), {} when not wanted.

    The local model is deaf to instructions in the text; a failure of it must not cost the
    Gemini results, so it is logged and the comments are stored without a second opinion.
    """
    if backend.name != "gemini" or not settings.GEMINI_CROSS_CHECK or not accepted:
        return {}
    items = [CommentInput(id=c.id, text=texts[c.id]) for c in accepted]
    try:
        result = get_backend("local").classify(items)
    except Exception:
        logger.exception("Local second opinion failed for %d comments", len(items))
        return {}
    return {c.id: c for c in result.classifications}


def _result_row(
    classification: Classification, text: str, second_opinion: Classification | None
) -> store.ResultRow:
    reviewed = classification_review(classification, text=text, second_opinion=second_opinion)
    return store.ResultRow(reviewed.classification, reviewed.needs_review)


def _handle_problems(
    problems: Sequence[Problem],
    claimed: dict[str, store.ClaimedComment],
    token: datetime,
    outcome: ClassifyOutcome,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    """Retry what may succeed later (with backoff), fail the rest with a readable reason."""
    if not problems:
        return
    now = timezone.now()
    to_retry: dict[tuple[str, bool], list[str]] = defaultdict(list)
    to_fail: dict[tuple[str, FailureKind], list[str]] = defaultdict(list)
    for problem in problems:
        kind = _verdict(problem, claimed[problem.id], now)
        if kind is None:
            to_retry[(problem.reason, problem.transient)].append(problem.id)
        else:
            to_fail[(problem.reason, kind)].append(problem.id)
        outcome.errors[problem.reason] = outcome.errors.get(problem.reason, 0) + 1
    for (reason, kind), ids in to_fail.items():
        outcome.failed += store.fail(ids, token, reason=reason, kind=kind)
    if to_retry:
        _schedule_retry(to_retry, claimed, token, outcome, backend_name, retry_after)


def _verdict(problem: Problem, comment: store.ClaimedComment, now: datetime) -> FailureKind | None:
    """None to retry, else the kind of failure to record (issue 11).

    Outages retry until CLASSIFY_RETRY_BUDGET has passed since the first one, however many
    attempts that takes; an unusable answer about this comment gets CLASSIFY_MAX_ATTEMPTS;
    a permanent error fails at once.
    """
    if not problem.retryable:
        return FailureKind.PERMANENT
    if problem.transient:
        started = comment.retrying_since
        expired = started is not None and now - started >= settings.CLASSIFY_RETRY_BUDGET
        return FailureKind.TRANSIENT if expired else None
    if comment.attempts >= settings.CLASSIFY_MAX_ATTEMPTS:
        return FailureKind.PERMANENT
    return None


def _schedule_retry(
    to_retry: dict[tuple[str, bool], list[str]],
    claimed: dict[str, store.ClaimedComment],
    token: datetime,
    outcome: ClassifyOutcome,
    backend_name: str | None,
    retry_after: float | None,
) -> None:
    retry_ids = [pk for ids in to_retry.values() for pk in ids]
    delay = retry_delay(
        attempt=max(_retry_number(claimed[pk]) for pk in retry_ids),
        base=settings.CLASSIFY_RETRY_BASE_SECONDS,
        cap=settings.CLASSIFY_RETRY_MAX_SECONDS,
        retry_after=retry_after,
    )
    # enqueued_at is set to when the retry is due, so the sweeper does not run it early.
    now = timezone.now()
    due_at = now + timedelta(seconds=delay)
    with transaction.atomic():
        for (reason, transient), ids in to_retry.items():
            outcome.retrying += store.release(
                ids, token, reason=reason, due_at=due_at, transient=transient, now=now
            )
    outcome.retry_in_seconds = delay
    logger.info("Retrying %d comments in %.1fs", len(retry_ids), delay)
    classification_enqueue(comment_ids=retry_ids, backend_name=backend_name, countdown=delay)


def _retry_number(comment: store.ClaimedComment) -> int:
    """How far up the backoff curve the next retry is: attempts, or the outage's age in steps.

    Outage retries give their attempt back, so during one the backoff grows with the time
    spent retrying instead (each step of the curve doubles the base delay).
    """
    if comment.retrying_since is None:
        return comment.attempts
    elapsed = (timezone.now() - comment.retrying_since).total_seconds()
    base = max(settings.CLASSIFY_RETRY_BASE_SECONDS, 0.001)
    return max(comment.attempts, 1 + int(math.log2(1 + elapsed / base)))


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

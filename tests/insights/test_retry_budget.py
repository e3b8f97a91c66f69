"""Outages retry on a time budget, not an attempt count; FALHOU of a transient failure is
re-tried by beat once the provider answers; permanent errors fail at once (issue 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, FailureKind, Status
from insights.domain import BackendError, BatchResult, ClassificationFailure
from insights.models import CallOutcome, LLMCall
from insights.pipeline.classify import comments_classify
from insights.pipeline.recovery import comments_retry_transient_failures
from tests.insights.helpers import answer_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


def outage(items):
    raise BackendError("Gemini 503 UNAVAILABLE: overloaded", retryable=True)


def classify(comments) -> None:
    comments_classify(comment_ids=[str(c.id) for c in comments])


def test_an_outage_outlasting_the_attempt_count_keeps_retrying(
    scripted_backend, make_comments, settings
):
    settings.CLASSIFY_MAX_ATTEMPTS = 2
    [comment] = make_comments(1)
    scripted_backend.script = outage

    for _attempt in range(settings.CLASSIFY_MAX_ATTEMPTS * 3):
        Comment.objects.filter(id=comment.id).update(status=Status.PENDING)
        classify([comment])

    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert comment.attempts == 0  # outages give their attempt back
    assert comment.failure_kind == FailureKind.TRANSIENT
    assert comment.retrying_since is not None
    assert "503" in comment.last_error


def test_an_outage_past_the_retry_budget_fails_as_transient(
    scripted_backend, make_comments, settings
):
    started = timezone.now() - settings.CLASSIFY_RETRY_BUDGET - timedelta(seconds=1)
    [comment] = make_comments(1, retrying_since=started)
    scripted_backend.script = outage

    classify([comment])

    comment.refresh_from_db()
    assert (comment.status, comment.failure_kind) == (Status.FAILED, FailureKind.TRANSIENT)
    assert comment.retrying_since == started


def test_a_permanent_error_fails_at_once_as_permanent(scripted_backend, make_comments):
    [comment] = make_comments(1)

    def refused(items):
        raise BackendError("Gemini 400 INVALID_ARGUMENT", retryable=False)

    scripted_backend.script = refused

    classify([comment])

    comment.refresh_from_db()
    assert (comment.status, comment.failure_kind) == (Status.FAILED, FailureKind.PERMANENT)
    assert comment.attempts == 1


def test_a_success_after_an_outage_clears_the_failure(scripted_backend, make_comments):
    [comment] = make_comments(
        1, retrying_since=timezone.now(), failure_kind=FailureKind.TRANSIENT, last_error="503"
    )
    scripted_backend.script = answer_all()

    classify([comment])

    comment.refresh_from_db()
    assert comment.status == Status.DONE
    assert (comment.failure_kind, comment.retrying_since, comment.last_error) == ("", None, "")


def test_transient_per_comment_failures_use_the_budget_too(scripted_backend, make_comments):
    [comment] = make_comments(1, attempts=10)
    scripted_backend.script = lambda items: BatchResult(
        failures=[ClassificationFailure(items[0].id, "429", retryable=True, transient=True)]
    )

    classify([comment])

    comment.refresh_from_db()
    assert (comment.status, comment.attempts) == (Status.PENDING, 10)


def failed_transiently(make_comments, count: int, **fields) -> list[Comment]:
    since = timezone.now() - timedelta(days=1)
    return make_comments(
        count,
        status=Status.FAILED,
        failure_kind=FailureKind.TRANSIENT,
        retrying_since=since,
        last_error="Gemini 503",
        **fields,
    )


def test_beat_requeues_every_transient_failure_once_gemini_answers(make_comments, settings):
    settings.CLASSIFIER_BACKEND = "gemini"
    failed = failed_transiently(make_comments, 5)
    permanent = make_comments(2, status=Status.FAILED, failure_kind=FailureKind.PERMANENT)
    LLMCall.objects.create(
        backend="gemini", model="m", prompt_version="v", comment_count=1, outcome=CallOutcome.OK
    )

    requeued = comments_retry_transient_failures()

    assert requeued == 5
    rows = Comment.objects.filter(id__in=[c.id for c in failed])
    assert set(rows.values_list("status", "retrying_since")) == {(Status.PENDING, None)}
    assert set(
        Comment.objects.filter(id__in=[c.id for c in permanent]).values_list("status", flat=True)
    ) == {Status.FAILED}


def test_beat_only_probes_with_one_batch_while_gemini_still_fails(make_comments, settings):
    settings.CLASSIFIER_BACKEND = "gemini"
    settings.CLASSIFY_BATCH_SIZE = 2
    failed_transiently(make_comments, 5)
    LLMCall.objects.create(
        backend="gemini", model="m", prompt_version="v", comment_count=1,
        outcome=CallOutcome.SERVER_ERROR,
    )  # fmt: skip

    requeued = comments_retry_transient_failures()

    assert requeued == 2
    probes = Comment.objects.filter(status=Status.PENDING)
    # The probes keep their spent budget: a continued outage fails them after one call.
    assert not probes.filter(retrying_since__isnull=True).exists()


def test_a_probe_during_a_continued_outage_fails_again_after_one_call(
    scripted_backend, make_comments, settings
):
    settings.CLASSIFIER_BACKEND = "gemini"  # and no call logged lately: a probe
    settings.CLASSIFY_BATCH_SIZE = 5
    [comment] = failed_transiently(make_comments, 1)
    scripted_backend.script = outage

    comments_retry_transient_failures()
    classify([comment])

    comment.refresh_from_db()
    assert (comment.status, comment.failure_kind) == (Status.FAILED, FailureKind.TRANSIENT)
    assert len(scripted_backend.calls) == 1

"""The sweeper recovers comments no task will finish, and requeue gives FALHOU a new start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, Status
from insights.pipeline import enqueue, sweep
from tests.factories import CommentFactory
from tests.insights.test_pipeline_services import queued_classify_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.SWEEPER_PENDING_AFTER = timedelta(minutes=3)
    settings.SWEEPER_PROCESSING_AFTER = timedelta(minutes=10)
    settings.CLASSIFY_MAX_ATTEMPTS = 3
    settings.CLASSIFY_BATCH_SIZE = 2


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def queued_ids() -> set[str]:
    return {pk for message in queued_classify_messages() for pk in message["args"][0]}


def test_expired_claim_returns_to_pending_and_is_enqueued_again():
    crashed = CommentFactory(status=Status.PROCESSING, claimed_at=ago(minutes=11), attempts=1)
    working = CommentFactory(status=Status.PROCESSING, claimed_at=ago(minutes=2), attempts=1)

    outcome = sweep.comments_sweep()

    assert (outcome.returned, outcome.failed) == (1, 0)
    crashed.refresh_from_db()
    assert (crashed.status, crashed.claimed_at, crashed.attempts) == (Status.PENDING, None, 1)
    assert crashed.enqueued_at is not None
    assert Comment.objects.get(id=working.id).status == Status.PROCESSING
    assert queued_ids() == {str(crashed.id)}


def test_claim_that_keeps_expiring_ends_failed_instead_of_looping():
    poison = CommentFactory(status=Status.PROCESSING, claimed_at=ago(minutes=11), attempts=3)

    outcome = sweep.comments_sweep()

    assert (outcome.returned, outcome.failed) == (0, 1)
    poison.refresh_from_db()
    assert poison.status == Status.FAILED
    assert poison.last_error == "O processamento foi interrompido repetidamente."
    assert poison.attempts == 3
    assert queued_ids() == set()


def test_stale_pending_comments_are_reenqueued_in_batches_and_bumped():
    stale = CommentFactory.create_batch(3, enqueued_at=ago(minutes=5))
    never = CommentFactory(enqueued_at=None)
    fresh = CommentFactory(enqueued_at=ago(minutes=1))
    retry_due_later = CommentFactory(enqueued_at=timezone.now() + timedelta(minutes=2))
    done = CommentFactory(status=Status.DONE, category="ELOGIO", enqueued_at=ago(days=1))

    outcome = sweep.comments_sweep()

    expected = {str(c.id) for c in [*stale, never]}
    assert outcome.reenqueued == 4
    assert queued_ids() == expected
    assert [len(m["args"][0]) for m in queued_classify_messages()] == [2, 2]
    bumped = Comment.objects.filter(id__in=expected, enqueued_at__gte=ago(seconds=30))
    assert bumped.count() == 4
    for untouched in (fresh, retry_due_later, done):
        assert Comment.objects.get(id=untouched.id).enqueued_at == untouched.enqueued_at


def test_a_second_sweep_right_after_enqueues_nothing_more():
    CommentFactory.create_batch(3, enqueued_at=ago(minutes=5))
    sweep.comments_sweep()

    assert sweep.comments_sweep().reenqueued == 0


def test_requeue_gives_failed_comments_a_fresh_start(django_capture_on_commit_callbacks):
    failed = CommentFactory(status=Status.FAILED, attempts=3, last_error="erro")
    done = CommentFactory(status=Status.DONE, category="SPAM", attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        requeued = enqueue.comments_requeue_failed(comment_ids=[str(failed.id), str(done.id)])

    assert requeued == [str(failed.id)]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.PENDING, 0, "")
    assert Comment.objects.get(id=done.id).status == Status.DONE
    assert queued_ids() == {str(failed.id)}


def test_overdue_pending_comments_wait_while_the_queue_is_long_but_returned_claims_do_not(
    settings,
):
    settings.CLASSIFY_BATCH_SIZE = 1
    backlog = CommentFactory.create_batch(sweep.SWEEP_BUSY_QUEUE_LENGTH, enqueued_at=timezone.now())
    enqueue.classification_enqueue(comment_ids=[str(c.id) for c in backlog])
    overdue = CommentFactory(enqueued_at=ago(minutes=5))
    crashed = CommentFactory(status=Status.PROCESSING, claimed_at=ago(minutes=11), attempts=1)

    outcome = sweep.comments_sweep()

    assert outcome.reenqueued == 1
    assert str(crashed.id) in queued_ids()
    assert str(overdue.id) not in queued_ids()

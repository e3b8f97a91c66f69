"""The classification service on PostgreSQL: claim, validate, store, retry, fail."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from comments.models import Comment, CommentTag, Status, Tag, TagOrigin
from insights.domain import (
    BackendError,
    BatchResult,
    ClassificationFailure,
)
from insights.pipeline import store
from insights.pipeline.classify import comments_classify
from tests.factories import CommentFactory, TagFactory
from tests.insights.helpers import answer_all, classification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


def ids_of(comments) -> list[str]:
    return [str(c.id) for c in comments]


def queued_classify_messages() -> list[dict]:
    """The classify_batch messages waiting in Redis: headers plus decoded args and kwargs."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = []
    for raw in client.lrange("classify", 0, -1):
        envelope = json.loads(raw)
        args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append({"headers": envelope["headers"], "args": args, "kwargs": kwargs})
    return messages


def test_classify_stores_category_confidence_tags_and_marks_done(scripted_backend, make_comments):
    scripted_backend.script = answer_all(
        "CRÍTICA", 0.95, tags=[("qualidade_audio", "reclama do chiado")], margin=0.9
    )
    comments = make_comments(3)

    outcome = comments_classify(comment_ids=ids_of(comments))

    assert outcome.classified == 3
    for comment in Comment.objects.all():
        assert comment.status == Status.DONE
        assert comment.category == "CRÍTICA"
        assert comment.confidence == pytest.approx(0.95)
        assert comment.margin == pytest.approx(0.9)
        assert comment.classified_at is not None
        assert (comment.classifier_backend, comment.classifier_model) == ("roteiro", "roteiro-1")
        assert comment.prompt_version == "v-teste"
        assert comment.attempts == 1
        assert comment.claimed_at is None
        assert not comment.needs_review
        assert [(t.tag.code, t.explanation) for t in comment.comment_tags.all()] == [
            ("qualidade_audio", "reclama do chiado")
        ]


def test_duplicate_delivery_classifies_each_comment_once(scripted_backend, make_comments):
    comments = make_comments(4)
    comments_classify(comment_ids=ids_of(comments))
    first = dict(Comment.objects.values_list("id", "classified_at"))

    again = comments_classify(comment_ids=ids_of(comments))

    assert again.claimed == 0
    assert len(scripted_backend.calls) == 1
    assert dict(Comment.objects.values_list("id", "classified_at")) == first
    assert CommentTag.objects.count() == 4


def test_comments_no_longer_pending_are_not_claimed(scripted_backend, make_comments):
    failed = make_comments(1, status=Status.FAILED)
    processing = make_comments(1, status=Status.PROCESSING, claimed_at=timezone.now())

    outcome = comments_classify(comment_ids=ids_of(failed + processing))

    assert outcome.claimed == 0
    assert scripted_backend.calls == []


def test_invalid_ids_in_the_request_are_ignored(scripted_backend, make_comments):
    comments = make_comments(1)

    outcome = comments_classify(comment_ids=["não-é-uuid", *ids_of(comments)])

    assert outcome.requested == 1
    assert outcome.classified == 1


def test_answer_for_an_unknown_id_is_ignored_and_nothing_else_is_written(
    scripted_backend, make_comments
):
    stranger = CommentFactory()  # exists, but was not in this batch
    comments = make_comments(2)

    def script(items):
        extra = classification(str(stranger.id), "SPAM", 0.99)
        return BatchResult([*(classification(i.id) for i in items), extra])

    scripted_backend.script = script

    outcome = comments_classify(comment_ids=ids_of(comments))

    assert outcome.classified == 2
    stranger.refresh_from_db()
    assert stranger.status == Status.PENDING
    assert stranger.category is None


def test_missing_answer_puts_the_comment_back_for_a_retry(scripted_backend, make_comments):
    answered, skipped = make_comments(2)
    scripted_backend.script = lambda items: BatchResult([classification(str(answered.id))])

    outcome = comments_classify(comment_ids=ids_of([answered, skipped]))

    assert (outcome.classified, outcome.retrying) == (1, 1)
    skipped.refresh_from_db()
    assert skipped.status == Status.PENDING
    assert skipped.category is None
    assert skipped.attempts == 1
    assert "não devolveu resultado" in skipped.last_error
    [message] = queued_classify_messages()
    assert message["args"] == [[str(skipped.id)]]
    assert message["headers"]["task"] == "insights.tasks.classify_batch"


@pytest.mark.parametrize(
    ("category", "confidence", "expected_error"),
    [
        ("ELOGIOS", 0.9, "Categoria inválida"),
        ("elogio", 0.9, "Categoria inválida"),
        ("ELOGIO", 1.5, "Confiança fora do intervalo"),
        ("ELOGIO", -0.1, "Confiança fora do intervalo"),
        ("ELOGIO", float("nan"), "Confiança fora do intervalo"),
    ],
)
def test_invalid_answer_is_never_stored_and_is_retried(
    scripted_backend, make_comments, category, confidence, expected_error
):
    [comment] = make_comments(1)
    scripted_backend.script = answer_all(category, confidence)

    outcome = comments_classify(comment_ids=ids_of([comment]))

    assert outcome.retrying == 1
    comment.refresh_from_db()
    assert (comment.status, comment.category, comment.confidence) == (Status.PENDING, None, None)
    assert expected_error in comment.last_error
    assert not comment.comment_tags.exists()


def test_invalid_answer_on_the_last_attempt_fails_the_comment(scripted_backend, make_comments):
    [comment] = make_comments(1, attempts=settings.CLASSIFY_MAX_ATTEMPTS - 1)
    scripted_backend.script = answer_all("ELOGIO", 2.0)

    outcome = comments_classify(comment_ids=ids_of([comment]))

    assert outcome.failed == 1
    comment.refresh_from_db()
    assert comment.status == Status.FAILED
    assert comment.attempts == settings.CLASSIFY_MAX_ATTEMPTS
    assert "Confiança fora do intervalo" in comment.last_error
    assert comment.category is None
    assert queued_classify_messages() == []


def test_non_retryable_failure_fails_at_once_with_its_reason(scripted_backend, make_comments):
    [comment] = make_comments(1)
    scripted_backend.script = lambda items: BatchResult(
        failures=[ClassificationFailure(items[0].id, "Bloqueado por segurança", retryable=False)]
    )

    comments_classify(comment_ids=ids_of([comment]))

    comment.refresh_from_db()
    assert (comment.status, comment.attempts) == (Status.FAILED, 1)
    assert comment.last_error == "Bloqueado por segurança"


def test_retryable_backend_error_honours_the_server_retry_delay(
    scripted_backend, make_comments, settings
):
    settings.CLASSIFY_RETRY_BASE_SECONDS = 1
    comments = make_comments(3)

    def fail(items):
        raise BackendError("429 RESOURCE_EXHAUSTED", retryable=True, retry_after=40)

    scripted_backend.script = fail
    before = timezone.now()

    outcome = comments_classify(comment_ids=ids_of(comments))

    assert outcome.retrying == 3
    assert outcome.retry_in_seconds == 40
    for comment in Comment.objects.all():
        assert comment.status == Status.PENDING
        assert "429 RESOURCE_EXHAUSTED" in comment.last_error
        # The sweeper must not re-run it before the server's delay has passed.
        assert comment.enqueued_at >= before + timedelta(seconds=40)
    [message] = queued_classify_messages()
    assert message["headers"]["eta"] is not None


def test_server_retry_delay_after_partial_progress_is_honoured(
    scripted_backend, make_comments, settings
):
    settings.CLASSIFY_RETRY_BASE_SECONDS = 1
    done, throttled = make_comments(1), make_comments(2)

    def partial(items):
        reason = "429 RESOURCE_EXHAUSTED"
        return BatchResult(
            classifications=[classification(str(done[0].id))],
            failures=[ClassificationFailure(str(c.id), reason) for c in throttled],
            retry_after=40,
        )

    scripted_backend.script = partial
    before = timezone.now()

    outcome = comments_classify(comment_ids=ids_of(done + throttled))

    assert (outcome.classified, outcome.retrying, outcome.retry_in_seconds) == (1, 2, 40)
    for comment in Comment.objects.filter(id__in=[c.id for c in throttled]):
        assert comment.status == Status.PENDING
        assert comment.enqueued_at >= before + timedelta(seconds=40)


def test_non_retryable_backend_error_fails_the_whole_batch(scripted_backend, make_comments):
    comments = make_comments(2)

    def fail(items):
        raise BackendError("400 API_KEY_INVALID", retryable=False)

    scripted_backend.script = fail

    outcome = comments_classify(comment_ids=ids_of(comments))

    assert outcome.failed == 2
    assert set(Comment.objects.values_list("status", flat=True)) == {Status.FAILED}


def test_a_crashing_backend_does_not_leave_comments_processing(scripted_backend, make_comments):
    comments = make_comments(2)

    def crash(items):
        raise RuntimeError("bug")

    scripted_backend.script = crash

    comments_classify(comment_ids=ids_of(comments))

    assert set(Comment.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_human_category_is_never_overwritten(scripted_backend, make_comments):
    [comment] = make_comments(1, category="SUGESTÃO", confidence=1.0, category_set_by_human=True)
    scripted_backend.script = answer_all("SPAM", 0.3)

    comments_classify(comment_ids=ids_of([comment]))

    comment.refresh_from_db()
    assert comment.status == Status.DONE
    assert (comment.category, comment.confidence) == ("SUGESTÃO", 1.0)
    assert not comment.needs_review


def test_human_tags_are_never_overwritten(scripted_backend, make_comments):
    [comment] = make_comments(1, tags_set_by_human=True)
    curated = TagFactory(code="show")
    CommentTag.objects.create(comment=comment, tag=curated, explanation="curadoria")
    scripted_backend.script = answer_all(tags=[("bug_app", "app travou")])

    comments_classify(comment_ids=ids_of([comment]))

    comment.refresh_from_db()
    assert comment.status == Status.DONE
    assert list(comment.comment_tags.values_list("tag__code", "explanation")) == [
        ("show", "curadoria")
    ]


@pytest.mark.parametrize(
    ("confidence", "margin", "needs_review"),
    [(0.95, 0.9, False), (0.55, 0.9, True), (0.95, 0.5, True), (0.95, None, False)],
)
def test_needs_review_when_confidence_is_low_or_labels_are_close(
    scripted_backend, make_comments, confidence, margin, needs_review
):
    [comment] = make_comments(1)
    scripted_backend.script = answer_all("ELOGIO", confidence, margin=margin)

    comments_classify(comment_ids=ids_of([comment]))

    comment.refresh_from_db()
    assert comment.needs_review is needs_review


def test_tags_follow_merges_and_unknown_codes_become_new_tags(scripted_backend, make_comments):
    canonical = Tag.objects.get(code="qualidade_audio")
    middle = TagFactory(code="som_ruim", merged_into=canonical)
    TagFactory(code="chiado", merged_into=middle)
    [comment] = make_comments(1)
    scripted_backend.script = answer_all(
        tags=[
            ("chiado", "tem chiado"),
            ("som_ruim", "som ruim"),
            ("Remix Oficial", "pede um remix"),
        ]
    )

    comments_classify(comment_ids=ids_of([comment]))

    stored = dict(comment.comment_tags.values_list("tag__code", "explanation"))
    assert stored == {"qualidade_audio": "tem chiado", "remix_oficial": "pede um remix"}
    new_tag = Tag.objects.get(code="remix_oficial")
    assert (new_tag.origin, new_tag.description) == (TagOrigin.LLM, "pede um remix")


def test_result_of_an_expired_claim_does_not_overwrite_the_newer_one(make_comments):
    [comment] = make_comments(1)
    old_token = timezone.now() - timedelta(minutes=30)
    store.claim([comment.id], old_token)
    Comment.objects.filter(id=comment.id).update(status=Status.PENDING)  # the sweeper's work
    new_token = timezone.now()
    store.claim([comment.id], new_token)

    stale = store.ResultRow(classification(str(comment.id), "SPAM", 0.99), False)
    written = store.write_results([stale], old_token, timezone.now())

    assert written == []
    comment.refresh_from_db()
    assert (comment.status, comment.category, comment.attempts) == (Status.PROCESSING, None, 2)


def test_portable_path_used_on_sqlite_gives_the_same_result(
    scripted_backend, make_comments, monkeypatch
):
    monkeypatch.setattr(store, "is_postgres", lambda: False)
    human = make_comments(1, category="DÚVIDA", category_set_by_human=True)
    plain = make_comments(2)
    scripted_backend.script = answer_all("ELOGIO", 0.5, tags=[("artista", "cita a banda")])

    outcome = comments_classify(comment_ids=ids_of(human + plain))
    again = comments_classify(comment_ids=ids_of(human + plain))

    assert (outcome.classified, again.claimed) == (3, 0)
    rows = Comment.objects.values_list("category", "status", "needs_review", "attempts")
    assert sorted(rows) == sorted(
        [("DÚVIDA", "CONCLUIDO", False, 1)] + [("ELOGIO", "CONCLUIDO", True, 1)] * 2
    )
    assert CommentTag.objects.count() == 3

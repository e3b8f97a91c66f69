"""The Gemini backend through the real pipeline: a Celery worker process, Redis, Postgres and the
fake Gemini server. Each scripted behaviour ends with the FINAL state of every comment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from comments.models import Comment, Status
from insights.models import CallOutcome, LLMCall
from insights.pipeline.enqueue import classification_enqueue
from tests.factories import CommentFactory
from tests.fakes.gemini_server import Behaviour, FakeGemini, honest_category
from tests.insights.helpers import (
    admin_search,
    post_comments_over_http,
    sample_texts,
    status_counts,
)
from tests.worker import WorkerProcess, purge_broker, start_worker, wait_for

pytestmark = pytest.mark.e2e

MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="module")
def module_worker(
    django_db_setup, tmp_path_factory, fake_server, local_model_ready
) -> Iterator[WorkerProcess]:
    """One real worker for the module (Gemini backend on the fake server, quick retries).

    Started once to keep the suite fast: every test waits until each of its comments is
    finished, so no task outlives its test. The broker is purged around the module, not between
    tests, since flushing Redis under a running worker would drop its queue bindings.
    """
    env = {
        "CLASSIFIER_BACKEND": "gemini",
        "GOOGLE_API_KEY": "test-key",
        "GEMINI_BASE_URL": fake_server.url,
        "GEMINI_TIMEOUT_SECONDS": "1",
        "GEMINI_RPM": "10000",
        "CLASSIFY_RETRY_BASE_SECONDS": "0.1",
        "CLASSIFY_RETRY_MAX_SECONDS": "0.5",
        "CLASSIFY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    }
    purge_broker()
    worker = start_worker(tmp_path_factory.mktemp("gemini-worker"), env=env)
    yield worker
    worker.stop()
    purge_broker()


@pytest.fixture
def fake_gemini(fake_server) -> Iterator[FakeGemini]:
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture
def gemini_worker(transactional_db, module_worker, fake_gemini) -> WorkerProcess:
    return module_worker


def enqueue(count: int, *, marked: dict[int, str] | None = None) -> list[Comment]:
    """Store `count` PENDENTE comments (texts at `marked` positions replaced) and enqueue them."""
    marked = marked or {}
    texts = sample_texts(count)
    comments = [CommentFactory(text=marked.get(i, text)) for i, text in enumerate(texts)]
    classification_enqueue(comment_ids=[str(c.id) for c in comments], batch_size=50)
    return comments


def wait_until_finished(worker: WorkerProcess, *, timeout: float = 60) -> dict[str, Comment]:
    """Wait until no comment is PENDENTE or PROCESSANDO; every comment by id, reloaded."""
    unfinished = Comment.objects.filter(status__in=[Status.PENDING, Status.PROCESSING])
    try:
        wait_for(lambda: not unfinished.exists(), timeout=timeout, interval=0.2)
    except AssertionError:
        raise AssertionError(f"unfinished: {status_counts()}\n{worker.log()[-3000:]}") from None
    return {str(c.id): c for c in Comment.objects.all()}


def assert_done_by_gemini(comment: Comment, *, attempts: int = 1) -> None:
    assert comment.status == Status.DONE, comment.last_error
    assert comment.category == honest_category(comment.text)
    assert comment.confidence == pytest.approx(0.9)
    assert comment.classifier_backend == "gemini"
    assert comment.prompt_version == "classify_v1"
    assert comment.attempts == attempts


def test_every_comment_is_classified_in_requests_of_at_least_25(gemini_worker, fake_gemini):
    comments = enqueue(120)

    final = wait_until_finished(gemini_worker)

    for comment in final.values():
        assert_done_by_gemini(comment)
    sizes = sorted(len(r.comments) for r in fake_gemini.requests)
    assert sizes == [20, 50, 50]
    tagged = Comment.objects.filter(comment_tags__isnull=False).distinct().count()
    assert tagged > len(comments) / 3
    assert LLMCall.objects.filter(outcome=CallOutcome.OK).count() == 3


def test_429_is_retried_after_the_servers_retry_delay(gemini_worker, fake_gemini):
    fake_gemini.script(Behaviour.rate_limited(retry_delay=1.5))
    enqueue(10)

    final = wait_until_finished(gemini_worker)

    # An outage (429, 5xx, timeout) gives its attempt back: it is not the comment's fault.
    for comment in final.values():
        assert_done_by_gemini(comment, attempts=1)
    first, second = fake_gemini.requests
    assert second.at - first.at >= 1.5
    assert LLMCall.objects.filter(outcome=CallOutcome.RATE_LIMITED).count() == 1


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour.server_error(),
        Behaviour.unavailable(),
        Behaviour.slow(delay=3),
        Behaviour.malformed(),
        Behaviour.not_json(),
    ],
    ids=["500", "503", "timeout", "malformed-json", "html-200"],
)
def test_a_transient_failure_is_retried_and_every_comment_ends_done(
    gemini_worker, fake_gemini, behaviour
):
    fake_gemini.script(behaviour)
    enqueue(10)

    final = wait_until_finished(gemini_worker)

    # Outages give their attempt back; an unusable answer (malformed JSON) counts against it.
    attempts = 2 if behaviour.kind == "malformed" else 1
    for comment in final.values():
        assert_done_by_gemini(comment, attempts=attempts)
        assert (comment.failure_kind, comment.retrying_since) == ("", None)
    assert [len(r.comments) for r in fake_gemini.requests] == [10, 10]


def test_missing_ids_are_retried_alone_and_end_done(gemini_worker, fake_gemini):
    fake_gemini.script(Behaviour.missing_ids(count=3))
    enqueue(10)

    final = wait_until_finished(gemini_worker)

    dropped = {str(c["id"]) for c in fake_gemini.requests[0].comments[-3:]}
    for comment_id, comment in final.items():
        assert_done_by_gemini(comment, attempts=2 if comment_id in dropped else 1)
    assert {str(c["id"]) for c in fake_gemini.requests[1].comments} == dropped


def test_extra_ids_are_ignored(gemini_worker, fake_gemini):
    fake_gemini.script(Behaviour.extra_ids(count=5))
    enqueue(10)

    final = wait_until_finished(gemini_worker)

    assert len(final) == 10
    for comment in final.values():
        assert_done_by_gemini(comment)


def test_a_label_outside_the_enum_is_retried_then_fails_after_max_attempts(
    gemini_worker, fake_gemini
):
    fake_gemini.default = Behaviour.bad_label(marker="NEUTRO-AQUI")
    comments = enqueue(10, marked={2: "comentário NEUTRO-AQUI sobre o show"})

    final = wait_until_finished(gemini_worker)

    bad = final.pop(str(comments[2].id))
    assert bad.status == Status.FAILED
    assert bad.category is None
    assert bad.attempts == MAX_ATTEMPTS
    assert "NEUTRO" in bad.last_error
    for comment in final.values():
        assert_done_by_gemini(comment)


def test_max_tokens_splits_the_batch_and_every_comment_ends_done(gemini_worker, fake_gemini):
    fake_gemini.default = Behaviour.max_tokens(over=10)
    enqueue(40)

    final = wait_until_finished(gemini_worker)

    for comment in final.values():
        assert_done_by_gemini(comment)
    assert max(len(r.comments) for r in fake_gemini.requests[1:]) <= 20
    assert LLMCall.objects.filter(outcome=CallOutcome.TRUNCATED).exists()


def test_a_comment_blocked_by_safety_fails_with_the_reason_and_the_rest_end_done(
    gemini_worker, fake_gemini
):
    fake_gemini.default = Behaviour.output_blocked(marker="BLOQUEAR")
    comments = enqueue(20, marked={7: "texto que o filtro vai BLOQUEAR"})

    final = wait_until_finished(gemini_worker)

    blocked = final.pop(str(comments[7].id))
    assert blocked.status == Status.FAILED
    assert "bloqueado pelo filtro de segurança do Gemini" in blocked.last_error
    assert blocked.attempts == 1
    for comment in final.values():
        assert_done_by_gemini(comment)


def test_a_permanent_400_fails_every_comment_at_once(gemini_worker, fake_gemini):
    fake_gemini.default = Behaviour.invalid_argument()
    enqueue(10)

    final = wait_until_finished(gemini_worker)

    for comment in final.values():
        assert comment.status == Status.FAILED
        assert comment.attempts == 1
        assert "INVALID_ARGUMENT" in comment.last_error
    assert len(fake_gemini.requests) == 1


def test_500_comments_posted_over_http_all_end_done_with_gemini(
    gemini_worker, fake_gemini, live_server, api_token
):
    post_comments_over_http(live_server.url, api_token, sample_texts(500), per_request=250)

    final = wait_until_finished(gemini_worker, timeout=120)

    assert len(final) == 500
    assert {c.status for c in final.values()} == {Status.DONE}
    assert {c.classifier_backend for c in final.values()} == {"gemini"}
    assert min(len(r.comments) for r in fake_gemini.requests) >= 25


def test_a_posted_comment_that_fails_is_still_found_by_the_admin_search(
    gemini_worker, fake_gemini, live_server, api_token
):
    fake_gemini.default = Behaviour.invalid_argument()
    text = "Comentário sobre a turnê de Manaus que o Gemini recusa"
    post_comments_over_http(live_server.url, api_token, [text], per_request=1)

    final = wait_until_finished(gemini_worker)

    (comment,) = final.values()
    assert comment.status == Status.FAILED
    # The worker wrote the document when it claimed the comment, before the call failed.
    assert admin_search("turne manaus") == [text]

"""Operator commands: `classify` (queued and --sync) and `pipeline_status`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment, Status
from insights.domain import BackendError
from insights.models import CallOutcome, LLMCall
from insights.pipeline.enqueue import classification_enqueue
from tests.factories import CommentFactory
from tests.insights.helpers import answer_all
from tests.insights.test_pipeline_services import queued_classify_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_broker")]


@pytest.fixture(autouse=True)
def _scripted(scripted_backend):
    """`--sync` runs the service in this process, so the scripted backend answers."""
    return scripted_backend


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def queued_ids() -> list[str]:
    return sorted(pk for message in queued_classify_messages() for pk in message["args"][0])


def test_classify_enqueues_pending_comments_in_batches(django_capture_on_commit_callbacks):
    pending = CommentFactory.create_batch(5, enqueued_at=timezone.now() - timedelta(hours=1))
    CommentFactory(status=Status.DONE, category="ELOGIO")

    with django_capture_on_commit_callbacks(execute=True):
        output = run("classify", "--batch-size", "2", "--backend", "local")

    assert "5 comentários enfileirados" in output
    messages = queued_classify_messages()
    assert sorted(len(m["args"][0]) for m in messages) == [1, 2, 2]
    assert {m["kwargs"]["backend_name"] for m in messages} == {"local"}
    assert queued_ids() == sorted(str(c.id) for c in pending)
    recent = timezone.now() - timedelta(minutes=1)
    assert Comment.objects.filter(status=Status.PENDING, enqueued_at__gte=recent).count() == 5


def test_classify_failed_resets_and_enqueues_them(django_capture_on_commit_callbacks):
    failed = CommentFactory(status=Status.FAILED, attempts=5, last_error="erro")
    CommentFactory()  # PENDENTE: not what was asked for

    with django_capture_on_commit_callbacks(execute=True):
        output = run("classify", "--status", "FALHOU")

    assert "1 comentários enfileirados" in output
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.PENDING, 0, "")
    assert queued_ids() == [str(failed.id)]


def test_classify_since_only_takes_comments_received_from_that_day():
    old = CommentFactory(received_at=timezone.now() - timedelta(days=10))
    new = CommentFactory()
    since = (timezone.localdate() - timedelta(days=1)).isoformat()

    with pytest.raises(CommandError):
        run("classify", "--since", "ontem")
    run("classify", "--since", since, "--sync")

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Status.PENDING, Status.DONE)


def test_classify_sync_classifies_here_and_prints_a_summary(scripted_backend):
    CommentFactory.create_batch(7)

    output = run("classify", "--sync", "--batch-size", "3")

    assert "Classificados: 7" in output
    assert [len(call) for call in scripted_backend.calls] == [3, 3, 1]
    assert set(Comment.objects.values_list("status", flat=True)) == {Status.DONE}
    assert queued_classify_messages() == []


def test_classify_sync_reports_failures_by_reason(scripted_backend):
    CommentFactory.create_batch(2)

    def refuse(items):
        raise BackendError("chave inválida", retryable=False)

    scripted_backend.script = refuse

    output = run("classify", "--sync")

    assert "falharam: 2" in output
    assert "Falha no classificador: chave inválida" in output


def test_classify_sync_of_failed_comments_gives_them_another_chance(scripted_backend):
    CommentFactory.create_batch(2, status=Status.FAILED, attempts=5)
    scripted_backend.script = answer_all("DÚVIDA", 0.9)

    run("classify", "--status", "FALHOU", "--sync")

    assert set(Comment.objects.values_list("status", "category", "attempts")) == {
        (Status.DONE, "DÚVIDA", 1)
    }


def test_classify_with_nothing_to_do_says_so():
    assert "Nenhum comentário PENDENTE" in run("classify")


def test_pipeline_status_shows_counts_backlog_queues_failures_and_llm_cost():
    CommentFactory.create_batch(2, received_at=timezone.now() - timedelta(hours=2))
    CommentFactory.create_batch(3, status=Status.DONE, category="ELOGIO", needs_review=True)
    CommentFactory.create_batch(4, status=Status.FAILED, last_error="Resposta truncada")
    CommentFactory(status=Status.FAILED, last_error="Bloqueado por segurança")
    for cost in ("0.0125", "0.0100"):
        LLMCall.objects.create(
            backend="gemini",
            model="gemini-2.5-flash-lite",
            prompt_version="classify_v1",
            comment_count=50,
            cost_usd=Decimal(cost),
            outcome=CallOutcome.OK,
        )
    old = LLMCall.objects.create(
        backend="gemini", model="m", prompt_version="v", comment_count=1, cost_usd=9, outcome="ok"
    )
    LLMCall.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=2))
    classification_enqueue(comment_ids=[str(c.id) for c in Comment.objects.all()[:3]])

    output = run("pipeline_status")

    assert "PENDENTE                2" in output
    assert "CONCLUIDO               3" in output
    assert "FALHOU                  5" in output
    assert "Pendente mais antigo: há 2" in output
    assert "Aguardando revisão: 3" in output
    assert "classify=1, reports=0, default=0" in output
    assert output.index("4  Resposta truncada") < output.index("1  Bloqueado por segurança")
    assert "Chamadas ao LLM nas últimas 24 h: 2 (custo estimado US$ 0,0225)" in output

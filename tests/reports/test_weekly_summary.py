"""The weekly summary: numbers, offline and Gemini texts, e-mails, unsubscribe, idempotence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from insights.models import LLMCall
from reports import summaries
from reports.mail import unsubscribe_url
from reports.models import Stakeholder, SummaryBackend, WeeklySummary
from reports.rollup import local_today
from reports.weeks import iso_week_label, previous_week_monday, week_monday
from tests.fakes.gemini_server import Behaviour

pytestmark = pytest.mark.django_db


def days_ago_in_last_week(offset: int = 2) -> float:
    """Days back to the middle of last week (Wednesday, by default)."""
    wednesday = previous_week_monday(local_today()) + timedelta(days=offset)
    return (local_today() - wednesday).days


@pytest.fixture
def last_week(make_classified) -> date:
    back = days_ago_in_last_week()
    make_classified(6, "ELOGIO", days_ago=back, text="O álbum novo ficou lindo demais",
                    tags=("album",))  # fmt: skip
    make_classified(3, "CRÍTICA", days_ago=back, text="O aplicativo trava toda hora no celular",
                    tags=("bug_app",), confidence=0.95)  # fmt: skip
    make_classified(1, "SPAM", days_ago=back, text="GANHE SEGUIDORES em bit.ly/x")
    make_classified(2, "CRÍTICA", days_ago=back + 7)  # the week before
    return previous_week_monday(local_today())


@pytest.fixture
def stakeholders() -> list[Stakeholder]:
    return [
        Stakeholder.objects.create(email="ceo@alumusic.com.br"),
        Stakeholder.objects.create(email="cfo@alumusic.com.br"),
        Stakeholder.objects.create(email="saiu@alumusic.com.br", active=False),
    ]


def test_the_week_numbers_compare_with_the_previous_week(last_week):
    numbers = summaries.week_numbers(monday=last_week)

    assert numbers["semana"] == iso_week_label(last_week)
    assert numbers["total"] == 10
    assert numbers["total_semana_anterior"] == 2
    assert numbers["por_categoria"]["CRÍTICA"] == 3
    assert numbers["parcela_criticas"] == 0.3
    assert numbers["parcela_criticas_semana_anterior"] == 1.0
    assert numbers["tags_mais_citadas"][0] == {"codigo": "album", "comentarios": 6}


def test_the_offline_summary_states_the_numbers_in_portuguese_and_quotes_comments(last_week):
    summary = summaries.summary_build(monday=last_week)

    assert summary.backend == SummaryBackend.OFFLINE
    text = summary.text
    assert f"Na semana {summary.week}" in text
    assert "chegaram 10 comentários, 400% a mais que na semana anterior (2)" in text
    assert "6 elogios (60%), 3 críticas (30%) e 1 spam (10%)" in text
    assert "A parcela de críticas caiu de 100% para 30%." in text
    assert "album (6)" in text
    assert "“O aplicativo trava toda hora no celular" in text
    assert "GANHE" not in text  # spam is counted, never quoted


def test_the_offline_summary_is_deterministic(last_week):
    first = summaries.summary_compose(monday=last_week).text

    assert summaries.summary_compose(monday=last_week).text == first


def test_a_stored_week_is_not_rebuilt(last_week):
    first = summaries.summary_build(monday=last_week)

    assert summaries.summary_build(monday=last_week).pk == first.pk
    assert WeeklySummary.objects.count() == 1


def test_the_summary_goes_to_active_stakeholders_as_html_and_text(
    last_week, stakeholders, mailoutbox
):
    result = summaries.summary_build_and_send()

    assert sorted(result.sent) == ["ceo@alumusic.com.br", "cfo@alumusic.com.br"]
    assert len(mailoutbox) == 2
    message = mailoutbox[0]
    assert message.subject == f"AluMusic Insights: resumo da semana {result.summary.week}"
    assert "chegaram 10 comentários" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "chegaram 10 comentários" in html
    link = unsubscribe_url(Stakeholder.objects.get(email=message.to[0]))
    assert link in message.body
    assert link in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_sending_the_same_week_again_sends_nothing(last_week, stakeholders, mailoutbox):
    summaries.summary_build_and_send()

    again = summaries.summary_build_and_send()

    assert again.sent == []
    assert sorted(again.already_sent) == ["ceo@alumusic.com.br", "cfo@alumusic.com.br"]
    assert len(mailoutbox) == 2


def test_a_new_stakeholder_gets_the_week_already_sent_to_others(
    last_week, stakeholders, mailoutbox
):
    summaries.summary_build_and_send()
    Stakeholder.objects.create(email="nova@alumusic.com.br")

    assert summaries.summary_build_and_send().sent == ["nova@alumusic.com.br"]


def test_a_failed_send_is_retried_by_the_next_run(last_week, stakeholders, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reports.failing_mail.FailingBackend"
    assert len(summaries.summary_build_and_send().failed) == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert len(summaries.summary_build_and_send().sent) == 2


@pytest.mark.django_db(transaction=True)
def test_the_unsubscribe_link_works_over_http(live_server, settings, stakeholders):
    settings.SITE_URL = live_server.url
    ceo = stakeholders[0]
    link = unsubscribe_url(ceo)

    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    assert "Parar de receber o resumo semanal?" in page.text
    ceo.refresh_from_db()
    assert ceo.active  # a GET (a link scanner) changes nothing

    done = requests.post(link, timeout=10)
    assert done.status_code == 200
    assert "você foi descadastrado" in done.text
    ceo.refresh_from_db()
    assert not ceo.active
    assert ceo.unsubscribed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_mail_clients_one_click_post_unsubscribes(live_server, settings, stakeholders):
    settings.SITE_URL = live_server.url
    cfo = stakeholders[1]

    response = requests.post(
        unsubscribe_url(cfo), data={"List-Unsubscribe": "One-Click"}, timeout=10
    )

    assert response.status_code == 200
    cfo.refresh_from_db()
    assert not cfo.active


def test_a_forged_unsubscribe_token_is_refused(client, stakeholders):
    response = client.post(f"/relatorio/descadastrar/{stakeholders[0].pk}/")

    assert response.status_code == 400
    assert Stakeholder.objects.filter(active=True).count() == 2


def test_the_gemini_summary_passes_comments_as_data(gemini_reports, last_week):
    summary = summaries.summary_build(monday=last_week)

    assert summary.backend == SummaryBackend.GEMINI
    assert summary.text == f"Resumo do Gemini falso para {summary.week}: 10 comentários na semana."
    assert summary.prompt_version == "weekly_summary_v1"
    request = gemini_reports.requests[-1]
    assert "trava toda hora" not in request.system_instruction
    assert any("trava toda hora" in text for text in request.user_texts)
    assert request.generation_config["temperature"] == 0
    call = LLMCall.objects.get()
    assert (call.prompt_version, call.outcome, call.comment_count) == ("weekly_summary_v1", "ok", 6)


def test_when_gemini_fails_the_offline_summary_is_sent(gemini_reports, last_week):
    gemini_reports.script(Behaviour.permission_denied())

    summary = summaries.summary_build(monday=last_week)

    assert summary.backend == SummaryBackend.OFFLINE
    assert "chegaram 10 comentários" in summary.text
    assert LLMCall.objects.get().outcome == "client_error"


def test_the_command_builds_sends_and_prints(last_week, stakeholders, mailoutbox, capsys):
    call_command("send_weekly_summary", "--week", iso_week_label(last_week))

    out = capsys.readouterr().out
    assert "2 enviados" in out
    assert "→ ceo@alumusic.com.br" in out
    assert len(mailoutbox) == 2


def test_the_commands_dry_run_stores_and_sends_nothing(last_week, stakeholders, mailoutbox, capsys):
    call_command("send_weekly_summary", "--dry-run")

    out = capsys.readouterr().out
    assert "seria gerado agora" in out
    assert "chegaram 10 comentários" in out
    assert "Seria enviado para 2 destinatários" in out
    assert not WeeklySummary.objects.exists()
    assert mailoutbox == []


def test_the_command_refuses_a_malformed_week():
    with pytest.raises(Exception, match="Semana inválida"):
        call_command("send_weekly_summary", "--week", "semana-passada")


# The schedule comes from a data migration, which a transactional test earlier in the same
# process may have flushed away: serialized_rollback restores the migrated state first.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_weekly_schedule_is_in_the_beat_database():
    task = PeriodicTask.objects.get(task="reports.tasks.weekly_summary_send")

    assert task.queue == "reports"
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "8", "1")
    assert str(crontab.timezone) == "America/Sao_Paulo"


def test_the_default_week_is_the_last_complete_one():
    today = local_today()

    assert previous_week_monday(today) == week_monday(today) - timedelta(weeks=1)

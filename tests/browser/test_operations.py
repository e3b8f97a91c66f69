"""The LLM operations page, the import's dry run and the dashboard's alert strip in Chromium.

Screenshots land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from comments.models import Category, Comment, Status
from insights.models import CallOutcome, EvaluationRun, LLMCall
from reports.models import SpikeAlert
from tests.factories import CommentFactory, CuratorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = ["ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM"]


@pytest.fixture
def curator():
    cache.clear()  # figures cached by earlier tests in the same run
    return CuratorFactory(email="curadora@alumusic.com.br")


def _calls() -> None:
    now = timezone.now()
    for days_ago in range(4):
        for index in range(6):
            call = LLMCall.objects.create(
                backend="gemini", model="gemini-2.5-flash-lite", prompt_version="classify_v1",
                comment_count=50, input_tokens=41_200 + index, output_tokens=9_800,
                latency_ms=900 + 150 * index, cost_usd=Decimal("0.0081"),
                outcome=CallOutcome.RATE_LIMITED if index == 5 and days_ago == 1 else "ok",
            )  # fmt: skip
            LLMCall.objects.filter(pk=call.pk).update(created_at=now - timedelta(days=days_ago))
    for _ in range(3):
        CommentFactory(status=Status.DONE, category=Category.PRAISE, classifier_backend="gemini",
                       classifier_model="gemini-2.5-flash-lite", prompt_version="classify_v1",
                       classified_at=now)  # fmt: skip


def _evaluation() -> None:
    report = {
        label: {"precision": 0.93, "recall": 0.92, "f1-score": 0.925, "support": 90}
        for label in LABELS
    }
    report["macro avg"] = {"precision": 0.93, "recall": 0.92, "f1-score": 0.925, "support": 450}
    matrix = [[84, 3, 2, 1, 0], [2, 83, 4, 1, 0], [3, 4, 81, 2, 0], [1, 1, 3, 85, 0],
              [0, 0, 0, 1, 89]]  # fmt: skip
    EvaluationRun.objects.create(
        dataset="insights/data/eval_fresh", backend="local", model="local-default",
        item_count=450, accuracy=0.931, macro_f1=0.927, metrics={"report": report},
        confusion_matrix={"labels": LABELS, "matrix": matrix},
    )  # fmt: skip


def test_llm_operations_page_with_calls_evaluations_and_schedule(desktop, curator):
    _calls()
    _evaluation()
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.create(
        name="refresh-report-snapshot", task="reports.tasks.snapshot_refresh", interval=every_minute
    )
    desktop.admin_login(curator.email)

    desktop.open("/admin/insights/llmcall/")
    desktop.page.get_by_role("link", name="Resumo das operações do LLM").click()
    desktop.page.wait_for_load_state("networkidle")

    calls = desktop.page.locator("#chamadas tbody tr")
    assert calls.count() == 4
    assert "gemini-2.5-flash-lite" in calls.first.inner_text()
    assert "classify_v1" in desktop.page.locator("#prompts").inner_text()
    assert desktop.page.locator("#avaliacoes .confusion-table td.hit").count() == 5
    assert "a cada 60 segundos" in desktop.page.locator("#agenda").inner_text()
    assert desktop.external_requests() == []
    desktop.screenshot("admin_llm_operations")


def test_llm_operations_page_explains_its_empty_sections(desktop, curator, settings):
    settings.CLASSIFIER_BACKEND = "local"
    desktop.admin_login(curator.email)

    desktop.open("/admin/insights/llmcall/operacoes/")

    text = desktop.page.locator("#content").inner_text()
    assert "o backend local está em uso" in text
    assert "Nenhuma avaliação ainda" in text
    assert "Nenhum comentário classificado ainda" in text
    desktop.screenshot("admin_llm_operations_empty")
    desktop.open("/admin/insights/llmcall/")
    assert "Nenhuma chamada registrada" in desktop.page.locator("#content").inner_text()
    desktop.screenshot("admin_llm_calls_empty")
    desktop.open("/admin/insights/evaluationrun/")
    desktop.screenshot("admin_evaluations_empty")


def test_an_import_with_bad_rows_is_previewed_and_refused(desktop, curator, tmp_path):
    upload = tmp_path / "lote.csv"
    upload.write_text(
        "id;texto\n;O refrão gruda na cabeça\nabc;Cadê a letra sincronizada?\n;   \n"
        ";Show em Manaus, por favor!\n"
    )
    desktop.admin_login(curator.email)
    desktop.open("/admin/comments/comment/importar/")

    assert desktop.page.locator("label.file-choose").inner_text() == "Escolher arquivo"
    desktop.page.set_input_files("#id_file", str(upload))
    assert desktop.page.locator(".file-chosen").inner_text() == "lote.csv"
    desktop.page.click("input[type=submit][value='Verificar o arquivo']")
    desktop.page.wait_for_load_state("networkidle")

    preview = desktop.page.locator("#import-preview").inner_text()
    assert "Arquivo recusado: nada foi guardado." in preview
    assert desktop.page.locator(".import-errors tbody tr").count() == 2
    assert desktop.page.locator("input[name=token]").count() == 0
    assert not Comment.objects.exists()
    desktop.screenshot("admin_import_refused")


def test_dashboard_shows_the_budget_and_the_spike_alerts(desktop, curator, settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1_000_000
    LLMCall.objects.create(backend="gemini", model="gemini-2.5-flash-lite", prompt_version="v",
                           comment_count=50, input_tokens=870_000, outcome="ok")  # fmt: skip
    SpikeAlert.objects.create(kind="tag", subject="bug_app", week="2026-W48", value=310,
                              baseline=20, zscore=8.25, comment_count=1310)  # fmt: skip
    desktop.admin_login(curator.email)

    desktop.open("/admin/")

    strip = desktop.page.locator("#dashboard-alerts")
    assert "quase no fim" in strip.inner_text()
    assert "bug_app" in strip.inner_text()
    strip.get_by_role("link", name="bug_app").click()
    desktop.page.wait_for_load_state("networkidle")
    assert "/admin/reports/spikealert/" in desktop.page.url
    desktop.open("/admin/")
    desktop.screenshot("admin_dashboard_alerts")


ENGLISH = ("Select ", "Add ", "Save", "Home", "Filter", "results", "Delete", "None", "Unknown")


def test_every_other_admin_page_a_curator_opens_reads_in_portuguese(desktop, curator):
    from datetime import date

    from reports import services
    from reports.models import Stakeholder, WeeklySummary

    CommentFactory(status=Status.DONE, category=Category.QUESTION, confidence=0.41,
                   needs_review=True)  # fmt: skip
    Stakeholder.objects.create(email="diretoria@alumusic.com.br")
    WeeklySummary.objects.create(week="2026-W48", week_start=date(2026, 11, 23),
                                 text="Na semana 2026-W48, chegaram 1.000 comentários.",
                                 numbers={"total": 1000}, backend="offline")  # fmt: skip
    SpikeAlert.objects.create(kind="tag", subject="bug_app", week="2026-W48", value=310,
                              baseline=20, zscore=8.25, comment_count=1310)  # fmt: skip
    services.snapshot_build()
    desktop.admin_login(curator.email)
    pages = {
        "admin_review_queue": "/admin/comments/reviewqueuecomment/",
        "admin_comment_add": "/admin/comments/comment/add/",
        "admin_export_jobs": "/admin/comments/exportjob/",
        "admin_stakeholders": "/admin/reports/stakeholder/",
        "admin_summaries": "/admin/reports/weeklysummary/",
        "admin_spike_alerts": "/admin/reports/spikealert/",
        "admin_spike_alert": f"/admin/reports/spikealert/{SpikeAlert.objects.get().pk}/change/",
        "admin_snapshots": "/admin/reports/reportsnapshot/",
    }

    for name, path in pages.items():
        desktop.open(path)
        text = desktop.page.locator("#content").inner_text()
        assert not [word for word in ENGLISH if word in text], (path, text[:300])
        desktop.screenshot(name)
        overflow = desktop.page.evaluate(
            "(() => { const r = document.querySelector('#changelist .results');"
            " return r ? r.scrollWidth - r.clientWidth : 0; })()"
        )
        assert overflow <= 0, f"{path} scrolls sideways on a laptop screen"


def test_an_alert_that_fires_reaches_an_open_dashboard_without_a_reload(desktop, curator, settings):
    settings.DASHBOARD_REFRESH_SECONDS = 5  # the page's shortest interval
    desktop.admin_login(curator.email)
    desktop.open("/admin/")
    assert "Nenhum assunto em alta agora." in desktop.page.locator("#dashboard-alerts").inner_text()
    desktop.page.evaluate("window.__same_page = true")

    SpikeAlert.objects.create(kind="tag", subject="login_conta", week="2026-W48", value=90,
                              baseline=4, zscore=6.5, comment_count=90)  # fmt: skip
    cache.clear()  # the strip's cached copy, as if its cache window had passed

    desktop.page.locator("#dashboard-alerts strong", has_text="login_conta").wait_for()
    assert desktop.page.evaluate("window.__same_page === true")  # refreshed in place

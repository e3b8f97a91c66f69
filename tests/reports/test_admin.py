"""The reports' admin pages: stakeholders, summaries (preview, send), alerts, snapshots."""

from __future__ import annotations

from datetime import date

import pytest

from reports import services
from reports.models import SpikeAlert, Stakeholder, SummaryBackend, WeeklySummary

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary() -> WeeklySummary:
    return WeeklySummary.objects.create(
        week="2026-W47",
        week_start=date(2026, 11, 16),
        text="Na semana 2026-W47, chegaram 1.000 comentários.",
        numbers={"por_categoria": {"ELOGIO": 600, "CRÍTICA": 400}, "total": 1000},
        backend=SummaryBackend.OFFLINE,
    )


@pytest.fixture
def logged_in(client, curator):
    client.force_login(curator)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reports/stakeholder/",
        "/admin/reports/stakeholder/add/",
        "/admin/reports/weeklysummary/",
        "/admin/reports/spikealert/",
        "/admin/reports/reportsnapshot/",
    ],
)
def test_every_reports_admin_page_opens_for_a_curator(logged_in, summary, path):
    Stakeholder.objects.create(email="ceo@alumusic.com.br")
    SpikeAlert.objects.create(kind="tag", subject="bug_app", week="2026-W47", value=30,
                              baseline=2, zscore=8, comment_count=30)  # fmt: skip
    services.snapshot_build()

    assert logged_in.get(path).status_code == 200


def test_the_summary_admin_previews_the_email(logged_in, summary):
    response = logged_in.get(f"/admin/reports/weeklysummary/{summary.pk}/previa/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Resumo da semana 2026-W47" in html
    assert "chegaram 1.000 comentários" in html
    assert "Descadastrar" in html


def test_the_send_action_sends_once_and_resend_sends_again(logged_in, summary, mailoutbox):
    Stakeholder.objects.create(email="ceo@alumusic.com.br")
    changelist = "/admin/reports/weeklysummary/"
    send = {"action": "send_pending", "_selected_action": [summary.pk]}

    logged_in.post(changelist, send)
    logged_in.post(changelist, send)
    assert len(mailoutbox) == 1

    logged_in.post(changelist, {"action": "resend_all", "_selected_action": [summary.pk]})
    assert len(mailoutbox) == 2


def test_a_curator_adds_a_stakeholder_in_the_admin(logged_in):
    response = logged_in.post(
        "/admin/reports/stakeholder/add/",
        {"email": "Nova@AluMusic.com.br", "name": "Nova", "active": "on"},
    )

    assert response.status_code == 302
    assert Stakeholder.objects.get().email == "nova@alumusic.com.br"


def test_the_summary_list_counts_deliveries_in_one_query(logged_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for week in range(40, 48):
        WeeklySummary.objects.create(
            week=f"2026-W{week}", week_start=date(2026, 1, 1), text="…", numbers={}
        )

    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get("/admin/reports/weeklysummary/")

    assert response.status_code == 200
    assert len(queries) <= 8  # 7 today; one COUNT per summary would make it 15

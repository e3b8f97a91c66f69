"""The dashboard's alert strip: active spike alerts and today's Gemini token budget, in the
server-rendered page and in the JSON it refreshes from, each with a link to its details."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from insights.models import CallOutcome, LLMCall
from reports.models import SpikeAlert
from tests.factories import ApiClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_dashboard():
    cache.clear()


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


def _spend(tokens: int) -> None:
    LLMCall.objects.create(
        backend="gemini",
        model="gemini-2.5-flash-lite",
        prompt_version="v",
        comment_count=1,
        input_tokens=tokens,
        outcome=CallOutcome.OK,
    )


def _spike() -> SpikeAlert:
    return SpikeAlert.objects.create(kind="tag", subject="bug_app", week="2026-W48", value=310,
                                     baseline=20, zscore=8.25, comment_count=1310)  # fmt: skip


def test_an_active_spike_is_on_the_dashboard_with_a_link_to_it(curator_client):
    alert = _spike()

    html = curator_client.get(reverse("admin:index")).content.decode()

    assert f'<a href="{reverse("admin:reports_spikealert_change", args=[alert.pk])}">' in html
    assert "<strong>bug_app</strong>" in html
    assert "1.310 comentários nos últimos 7 dias, 8,2 desvios acima do normal" in html


def test_without_spikes_the_dashboard_says_what_would_show_one(curator_client):
    html = curator_client.get(reverse("admin:index")).content.decode()

    assert "Nenhum assunto em alta agora." in html


def test_a_budget_near_its_end_is_a_warning_linking_to_the_llm_operations(curator_client, settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1_000_000
    _spend(900_000)

    html = curator_client.get(reverse("admin:index")).content.decode()

    assert '<p class="alert-line budget-warning">' in html
    assert f'<a href="{reverse("admin:insights_llmcall_operations")}">' in html
    assert "quase no fim: 900.000 de 1.000.000 tokens" in html


def test_a_budget_with_room_left_says_how_much_was_used(curator_client, settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1_000_000
    _spend(250_000)

    html = curator_client.get(reverse("admin:index")).content.decode()

    assert "250.000 de 1.000.000 tokens usados hoje (25 %)" in html


def test_the_refresh_json_carries_the_alerts_and_their_markup(curator_client, settings):
    settings.GEMINI_DAILY_TOKEN_BUDGET = 1_000
    _spend(1_500)
    _spike()

    data = curator_client.get(reverse("admin:dashboard_json")).json()

    assert data["alertas"]["budget"]["level"] == "exhausted"
    assert "esgotado" in data["alertas"]["budget"]["text"]
    assert [spike["subject"] for spike in data["alertas"]["spikes"]] == ["bug_app"]
    assert "budget-exhausted" in data["alertas_html"]
    assert "<strong>bug_app</strong>" in data["alertas_html"]


def test_the_refresh_json_is_refused_to_api_clients_and_anonymous_visitors():
    api_client = Client()
    api_client.force_login(ApiClientFactory())

    assert api_client.get(reverse("admin:dashboard_json")).status_code == 302
    assert Client().get(reverse("admin:dashboard_json")).status_code == 302


def test_the_llm_figures_lead_to_the_llm_operations_page(curator_client):
    html = curator_client.get(reverse("admin:index")).content.decode()

    operations = reverse("admin:insights_llmcall_operations")
    assert f'<a class="figure" href="{operations}" id="figure-llm_today">' in html

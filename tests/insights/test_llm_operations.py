"""The "Operações do LLM" admin page: calls per day and model, prompt versions, evaluations,
the beat's schedule, and the empty states that say what fills each part."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from comments.models import Category, Status
from insights.models import CallOutcome, LLMCall
from insights.operations import llm_calls_daily
from tests.factories import (
    ApiClientFactory,
    CommentFactory,
    EvaluationRunFactory,
    LLMCallFactory,
)

pytestmark = pytest.mark.django_db

PAGE = "admin:insights_llmcall_operations"


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


def _call(days_ago: int = 0, **fields) -> LLMCall:
    call = LLMCallFactory(**fields)
    LLMCall.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return call


def _page(client: Client) -> str:
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    return response.content.decode()


def test_calls_are_summed_per_day_and_model_with_latency_and_outcomes():
    for latency in range(100, 2100, 100):  # 20 calls: 100 ms … 2,000 ms
        _call(latency_ms=latency, cost_usd=Decimal("0.001"))
    _call(outcome=CallOutcome.RATE_LIMITED, latency_ms=50)
    _call(model="gemini-2.5-flash", days_ago=1)

    today, yesterday = llm_calls_daily()

    assert (today.model, today.calls, today.answered, today.failed) == (
        "gemini-2.5-flash-lite",
        21,
        20,
        1,
    )
    assert today.input_tokens == 21 * 2_000
    assert today.cost_usd == Decimal("0.020800")
    assert today.latency_p95_ms == pytest.approx(1900, abs=1)
    assert (yesterday.model, yesterday.calls) == ("gemini-2.5-flash", 1)


def test_the_page_shows_the_daily_sums_formatted_for_pt_br(curator_client):
    for _ in range(3):
        _call(input_tokens=1_234_567, latency_ms=1500, cost_usd=Decimal("0.5"))
    _call(outcome=CallOutcome.TIMEOUT, latency_ms=1500)

    html = _page(curator_client)

    assert timezone.localdate().strftime("%d/%m/%Y") in html
    assert "3.705.701" in html  # 3 × 1,234,567 + 2,000 input tokens
    assert "US$ 1,5008" in html
    assert "1,50 s" in html
    assert '<td class="num failed">1</td>' in html


def test_without_calls_the_page_says_the_local_backend_needs_no_llm(curator_client, settings):
    settings.CLASSIFIER_BACKEND = "local"

    html = _page(curator_client)

    assert "Nenhuma chamada ao Gemini: o backend local está em uso (sem GOOGLE_API_KEY)" in html


def test_without_calls_on_gemini_the_page_says_nothing_arrived(curator_client, settings):
    settings.CLASSIFIER_BACKEND = "gemini"

    html = _page(curator_client)

    assert "nenhum comentário chegou para classificar" in html


def test_prompt_versions_in_use_are_counted_per_version(curator_client, settings):
    settings.CLASSIFIER_BACKEND = "gemini"
    now = timezone.now()
    for _ in range(3):
        CommentFactory(status=Status.DONE, category=Category.PRAISE, classifier_backend="gemini",
                       classifier_model="gemini-2.5-flash-lite", prompt_version="classify_v2",
                       classified_at=now)  # fmt: skip
    CommentFactory(status=Status.DONE, category=Category.PRAISE, classifier_backend="gemini",
                   classifier_model="gemini-2.5-flash-lite", prompt_version="classify_v1",
                   classified_at=now - timedelta(days=3))  # fmt: skip
    CommentFactory(status=Status.PENDING)

    html = _page(curator_client)

    section = html[html.index('id="prompts"') : html.index('id="avaliacoes"')]
    assert section.index("classify_v2") < section.index("classify_v1")  # most used first
    assert '<code>classify_v2</code> <span class="badge badge-praise">atual</span>' in section
    assert '<code>classify_v1</code> <span class="badge' not in section
    assert '<td class="num">3</td>' in section


def test_the_latest_evaluation_shows_per_class_scores_and_its_confusion_matrix(curator_client):
    EvaluationRunFactory(macro_f1=0.5)
    report = {
        "ELOGIO": {"precision": 0.95, "recall": 0.9, "f1-score": 0.924, "support": 20},
        "CRÍTICA": {"precision": 0.8, "recall": 0.85, "f1-score": 0.824, "support": 20},
        "macro avg": {"precision": 0.875, "recall": 0.875, "f1-score": 0.874, "support": 40},
    }
    matrix = {"labels": ["ELOGIO", "CRÍTICA"], "matrix": [[18, 2], [3, 17]]}
    EvaluationRunFactory(macro_f1=0.874, metrics={"report": report}, confusion_matrix=matrix)

    html = _page(curator_client)

    section = html[html.index('id="avaliacoes"') : html.index('id="agenda"')]
    assert "F1 macro 87,4 %" in section
    assert '<td>ELOGIO</td><td class="num">0,950</td>' in section
    assert "média macro" in section
    assert '<td class="num hit">18</td><td class="num miss">2</td>' in section
    assert "50,0 %" in section  # the older run is listed too


def test_without_evaluations_the_page_says_how_to_run_one(curator_client):
    html = _page(curator_client)

    assert "Nenhuma avaliação ainda: rode <code>python manage.py evaluate</code>" in html


def test_the_beat_schedule_is_listed_in_portuguese(curator_client):
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.create(
        name="refresh-report-snapshot", task="reports.tasks.snapshot_refresh", interval=every_minute
    )

    html = _page(curator_client)

    section = html[html.index('id="agenda"') :]
    assert "refresh-report-snapshot" in section
    assert "a cada 60 segundos" in section
    assert "Só superusuários alteram a agenda." in section


def test_the_page_runs_a_bounded_number_of_queries(curator_client):
    for days_ago in range(10):
        _call(days_ago=days_ago)
        _call(days_ago=days_ago, model="gemini-2.5-flash")
        EvaluationRunFactory()
    for _ in range(5):
        CommentFactory(status=Status.DONE, category=Category.SPAM, classifier_backend="local")
    interval, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    for index in range(5):
        PeriodicTask.objects.create(name=f"t{index}", task="x", interval=interval)

    with CaptureQueriesContext(connection) as queries:
        _page(curator_client)

    assert len(queries) <= 8  # session, user, calls, versions, runs, schedule


def test_the_call_list_and_evaluation_list_explain_why_they_are_empty(curator_client, settings):
    settings.CLASSIFIER_BACKEND = "local"

    calls = curator_client.get(reverse("admin:insights_llmcall_changelist")).content.decode()
    runs = curator_client.get(reverse("admin:insights_evaluationrun_changelist")).content.decode()

    assert "o backend local está em uso" in calls
    assert reverse(PAGE) in calls
    assert "Nenhuma avaliação ainda" in runs


def test_the_page_is_refused_to_api_clients_and_anonymous_visitors(curator_client):
    api_client = Client()
    api_client.force_login(ApiClientFactory())

    assert curator_client.get(reverse(PAGE)).status_code == 200
    assert api_client.get(reverse(PAGE)).status_code == 302  # to the admin login
    assert Client().get(reverse(PAGE)).status_code == 302

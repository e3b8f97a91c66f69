"""Fixtures for the reports tests: comments spread over weeks, a fresh render memo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, CommentTag, Status
from reports.models import SummaryBackend, WeeklySummary
from reports.rendering import memo_clear
from tests.factories import TagFactory


@pytest.fixture(autouse=True)
def _fresh_render_memo(settings) -> Iterator[None]:
    settings.REPORT_VERSION_CHECK_SECONDS = 0  # a new snapshot shows on the next request
    memo_clear()
    yield
    memo_clear()


MakeComments = Callable[..., list[Comment]]


@pytest.fixture
def make_classified(db) -> MakeComments:
    """`make(n, category, days_ago=0, tags=(), confidence=0.9, **fields)`: n classified comments."""

    def make(
        count: int,
        category: str,
        *,
        days_ago: float = 0,
        tags: tuple[str, ...] = (),
        confidence: float = 0.9,
        text: str = "Comentário de teste",
        **fields: object,
    ) -> list[Comment]:
        received = timezone.now() - timedelta(days=days_ago)
        comments = Comment.objects.bulk_create(
            [
                Comment(
                    text=f"{text} {n}",
                    status=Status.DONE,
                    category=category,
                    confidence=confidence,
                    received_at=received,
                    classified_at=received,
                    **fields,
                )
                for n in range(count)
            ]
        )
        links = [
            CommentTag(comment=comment, tag=TagFactory(code=code), explanation="teste")
            for code in tags
            for comment in comments
        ]
        CommentTag.objects.bulk_create(links)
        return comments

    return make


@pytest.fixture
def gemini_reports(settings) -> Iterator[object]:
    """The reports' Gemini path pointed at the fake server (new clients built for it)."""
    from insights.classifiers.gemini.backend import GeminiBackend
    from reports.summary_llm import ReportLLM
    from tests.fakes.gemini_server import FakeGemini

    with FakeGemini() as fake:
        settings.SUMMARY_BACKEND = "gemini"
        settings.GOOGLE_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = fake.url
        settings.GEMINI_TIMEOUT_SECONDS = 5.0
        settings.REDIS_URL = ""  # an in-process rate limiter of its own
        GeminiBackend._shared = ReportLLM._shared = None
        yield fake
        GeminiBackend._shared = ReportLLM._shared = None


@pytest.fixture
def weeks(db) -> list[WeeklySummary]:
    """Three weekly summaries for the questions (`POST /api/insights/perguntar`)."""
    texts = {
        "2026-W45": "Na semana 2026-W45, chegaram 900 comentários. O show de Recife teve muitas "
        "reclamações de ingresso esgotado. Os assuntos mais citados foram show_ingresso (120).",
        "2026-W46": "Na semana 2026-W46, chegaram 1.100 comentários. O aplicativo travou no "
        "Android depois da atualização e a parcela de críticas subiu de 20% para 41%.",
        "2026-W47": "Na semana 2026-W47, chegaram 1.000 comentários. O álbum novo foi muito "
        "elogiado pela produção. A parcela de críticas caiu de 41% para 18%.",
    }
    return [
        WeeklySummary.objects.create(
            week=week,
            week_start=date.fromisocalendar(2026, int(week[-2:]), 1),
            text=text,
            backend=SummaryBackend.OFFLINE,
        )
        for week, text in texts.items()
    ]

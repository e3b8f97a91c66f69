"""The public report in Chromium: before the first snapshot and with data, desktop and phone.

Screenshots land in tests/screenshots/ (report_*.png) for a person to look at.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, CommentTag, Status
from reports import services
from tests.factories import TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "ELOGIO": ["O álbum novo ficou lindo, ouvi o dia inteiro", "Que show maravilhoso ontem!"],
    "CRÍTICA": ["O aplicativo trava quando troco de música", "O som do show estava baixo"],
    "SUGESTÃO": ["Podiam lançar a versão acústica", "Seria ótimo ter letra sincronizada"],
    "DÚVIDA": ["Quando abre a venda de ingressos em Recife?", "Como baixo as músicas?"],
    "SPAM": ["GANHE SEGUIDORES em bit.ly/promo"],
}
TAGS = {
    "ELOGIO": ["album", "show", "producao"],
    "CRÍTICA": ["bug_app", "qualidade_audio", "preco_assinatura"],
    "SUGESTÃO": ["letra", "playlist"],
    "DÚVIDA": ["show_ingresso", "app"],
    "SPAM": ["link_externo"],
}
WEIGHTS = {"ELOGIO": 40, "CRÍTICA": 25, "SUGESTÃO": 15, "DÚVIDA": 12, "SPAM": 8}


@pytest.fixture(autouse=True)
def _newest_snapshot_at_once(settings) -> None:
    from reports.rendering import memo_clear

    settings.REPORT_VERSION_CHECK_SECONDS = 0
    memo_clear()


@pytest.fixture
def eight_weeks_of_comments() -> None:
    """~1,300 comments over 8 weeks, more of them lately, with a burst of bug_app this week."""
    rng = random.Random(9)
    now = timezone.now()
    tags = {code: TagFactory(code=code) for codes in TAGS.values() for code in codes}
    comments, links = [], []
    for index in range(1300):
        category = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        days_ago = min(rng.expovariate(1 / 18), 55)
        burst = index < 70
        if burst:
            category, days_ago = "CRÍTICA", rng.uniform(0, 2)
        comment = Comment(
            text=rng.choice(TEXTS[category]),
            status=Status.DONE,
            category=category,
            confidence=min(0.99, max(0.35, rng.gauss(0.82, 0.12))),
            received_at=now - timedelta(days=days_ago),
            needs_review=rng.random() < 0.05,
        )
        comments.append(comment)
        codes = (
            ["bug_app"]
            if burst
            else rng.sample(TAGS[category], k=min(len(TAGS[category]), rng.randint(1, 2)))
        )
        links += [CommentTag(comment=comment, tag=tags[code]) for code in codes]
    Comment.objects.bulk_create(comments)
    CommentTag.objects.bulk_create(links)
    services.snapshot_build()


def _fits(page, width: int) -> None:
    assert page.page.evaluate("document.documentElement.scrollWidth") <= width


def test_before_the_first_snapshot_on_a_desktop(desktop):
    desktop.open("/relatorio/")

    assert desktop.page.locator("h1").inner_text() == "Relatório público"
    assert desktop.page.get_by_text("O primeiro relatório ainda está sendo preparado").is_visible()
    assert desktop.external_requests() == []
    desktop.screenshot("report_empty")


def test_before_the_first_snapshot_on_a_phone(phone):
    phone.open("/relatorio/")

    _fits(phone, 390)
    phone.screenshot("report_empty_phone")


def test_with_data_on_a_desktop(desktop, eight_weeks_of_comments):
    desktop.open("/relatorio/")

    assert desktop.page.locator(".chart svg").count() == 8
    titles = desktop.page.locator(".chart h2").all_inner_texts()
    assert titles[0] == "Distribuição por categoria"
    assert "Tags em alta" in titles
    assert desktop.page.locator(".figure-value").first.inner_text() == "1.300"
    assert desktop.page.get_by_text("Alertas em vigor").is_visible()
    desktop.page.locator(".chart summary").first.click()
    assert desktop.page.locator(".chart table").first.is_visible()
    assert desktop.external_requests() == []
    assert all(url.startswith(desktop.base_url) for url in desktop.requests)
    desktop.screenshot("report")


def test_with_data_on_a_phone(phone, eight_weeks_of_comments):
    phone.open("/relatorio/")

    _fits(phone, 390)
    assert phone.page.locator(".chart svg").count() == 8
    assert phone.external_requests() == []
    phone.screenshot("report_phone")

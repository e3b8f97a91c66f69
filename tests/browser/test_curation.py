"""A curator's working session in Chromium: dashboard, filters, search, keyboard review, tag
merge and a large export downloaded from a real worker (issue 8). Screenshots for a person."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.cache import cache

from comments.models import Category, Comment, CommentTag, Status, Tag, TagOrigin
from tests.factories import CommentFactory, CuratorFactory, TagFactory
from tests.worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workbench():
    """Comments in every category, four waiting for review, two tags to merge."""
    audio = TagFactory(
        code="qualidade_audio", description="Qualidade do som", origin=TagOrigin.TAXONOMY
    )
    TagFactory(code="show_ingresso", description="Ingressos de show", origin=TagOrigin.TAXONOMY)
    TagFactory(code="ingresso_show", description="sugerida pelo LLM", origin=TagOrigin.LLM)
    texts = [
        ("Que álbum incrível, ouvi o dia inteiro!", Category.PRAISE, 0.97, False),
        ("O som da versão ao vivo está chiando no fone.", Category.CRITICISM, 0.88, False),
        ("Podiam lançar a versão acústica de Maresia.", Category.SUGGESTION, 0.52, True),
        ("Quando abre a venda de ingressos em Recife?", Category.QUESTION, 0.41, True),
        ("Achei o show bom, mas o som estava baixo.", Category.PRAISE, 0.35, True),
        ("GANHE 1000 SEGUIDORES em bit.ly/promo", Category.SPAM, 0.58, True),
    ]
    made = [
        CommentFactory(
            text=t,
            status=Status.DONE,
            category=c,
            confidence=conf,
            margin=0.1,
            needs_review=review,
            classifier_backend="local",
            classifier_model="fast",
            prompt_version="local-v3",
        )
        for t, c, conf, review in texts
    ]
    CommentTag.objects.create(comment=made[1], tag=audio, explanation="cita 'som' e 'chiando'")
    CommentTag.objects.create(
        comment=made[3], tag=Tag.objects.get(code="ingresso_show"), explanation="cita 'ingressos'"
    )
    return made


def _press_and_wait(page, key: str) -> None:
    """Press a key that submits the review form, and wait for the next page to load.

    `wait_for_load_state` alone returns at once: the current page is loaded already when the
    key's submission has not started navigating yet.
    """
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("networkidle")


def test_a_curators_session_from_dashboard_to_export(desktop, workbench, settings, tmp_path):
    settings.EXPORT_ASYNC_THRESHOLD = 3
    settings.EXPORT_DIR = tmp_path
    # The dashboard's figures are cached in Redis; an earlier test's figures must not show here.
    cache.clear()
    curator = CuratorFactory(email="curadora@alumusic.com.br")
    page = desktop.page
    desktop.admin_login(curator.email)

    # Dashboard: the figures are in the page, linked to the list.
    assert page.locator("h1").inner_text() == "Painel da curadoria"
    assert page.locator('[data-figure="review"]').first.inner_text() == "4"
    assert page.locator("svg.sparkline").count() == 5
    desktop.screenshot("curadoria_dashboard")

    # Filter, then search.
    desktop.open("/admin/comments/comment/?category__exact=CR%C3%8DTICA")
    assert page.locator("#result_list tbody tr").count() == 1
    desktop.open("/admin/comments/comment/")
    page.fill("#searchbar", "ingresso recife")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list tbody tr").count() == 1
    desktop.open("/admin/comments/comment/")
    desktop.screenshot("curadoria_lista")

    # Review queue with the keyboard alone: accept, correct (key 2), accept.
    desktop.open("/admin/comments/reviewqueuecomment/")
    page.click("#start-review")
    page.wait_for_load_state("networkidle")
    assert "Achei o show bom" in page.locator("#review-text").inner_text()
    desktop.screenshot("curadoria_revisao")
    _press_and_wait(page, "Enter")
    assert "ingressos em Recife" in page.locator("#review-text").inner_text()
    page.keyboard.press("2")
    _press_and_wait(page, "Enter")
    assert "versão acústica" in page.locator("#review-text").inner_text()
    _press_and_wait(page, "n")
    assert "SEGUIDORES" in page.locator("#review-text").inner_text()
    page.keyboard.press("5")
    _press_and_wait(page, "Enter")

    corrected = Comment.objects.get(text__startswith="Quando abre")
    assert corrected.category == "CRÍTICA"
    assert corrected.category_set_by_human
    assert Comment.objects.filter(needs_review=True).count() == 1  # the one skipped

    # Merge the LLM's code into the canonical tag.
    desktop.open("/admin/comments/tag/")
    desktop.screenshot("curadoria_tags")
    page.check(f'input[name=_selected_action][value="{Tag.objects.get(code="ingresso_show").pk}"]')
    page.select_option("select[name=action]", "merge_action")
    page.click("button[name=index]")
    page.wait_for_load_state("networkidle")
    page.select_option("#id_target", "show_ingresso")
    page.click("#merge-submit")
    page.wait_for_load_state("networkidle")
    assert "mesclada em show_ingresso" in page.locator(".messagelist").inner_text()
    assert Tag.objects.get(code="ingresso_show").merged_into.code == "show_ingresso"

    # A large export: a real worker writes the file, the curator downloads it.
    desktop.open("/admin/comments/comment/export/")
    desktop.screenshot("curadoria_exportar")
    with running_worker(tmp_path, env={"EXPORT_DIR": str(tmp_path)}):
        page.click("input[type=submit]")
        page.wait_for_selector("#export-download a", timeout=60_000)
    desktop.screenshot("curadoria_exportacao_pronta")
    with page.expect_download() as download_info:
        page.click("#export-download a")
    saved = Path(download_info.value.path())
    rows = list(csv.DictReader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == len(workbench)
    assert {row["texto"] for row in rows} == {c.text for c in workbench}
    assert desktop.external_requests() == []

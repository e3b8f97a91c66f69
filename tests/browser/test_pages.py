"""Every page a person reads, rendered in Chromium: content visible, nothing fetched off-site.

Screenshots land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import pytest

from comments.models import Category, CommentTag, Source, Status
from insights.models import EvaluationRun, LLMCall
from tests.factories import ApiClientFactory, CommentFactory, CuratorFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _assert_table_fits(desktop) -> None:
    overflow = desktop.page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth - r.clientWidth; })()"
    )
    assert overflow <= 0, "the list scrolls sideways on a laptop screen"


@pytest.fixture
def curator():
    return CuratorFactory(email="curadora@alumusic.com.br")


@pytest.fixture
def comments():
    """A handful of comments in every status and category, as a curator would meet them."""
    audio = TagFactory(code="qualidade_audio", description="Qualidade do som")
    show = TagFactory(code="show_ingresso", description="Ingressos de show")
    rows = [
        ("Que álbum incrível, ouvi o dia inteiro!", Status.DONE, Category.PRAISE, 0.97),
        ("O som da versão ao vivo está chiando no fone.", Status.DONE, Category.CRITICISM, 0.88),
        ("Podiam lançar a versão acústica de Maresia.", Status.DONE, Category.SUGGESTION, 0.74),
        ("Quando abre a venda de ingressos em Recife?", Status.DONE, Category.QUESTION, 0.55),
        ("GANHE 1000 SEGUIDORES em bit.ly/promo", Status.DONE, Category.SPAM, 0.99),
        ("Acabou de chegar, ainda na fila.", Status.PENDING, None, None),
        ("Sendo classificado agora.", Status.PROCESSING, None, None),
        ("Este não deu certo na última tentativa.", Status.FAILED, None, None),
    ]
    partner = ApiClientFactory(email="integracao.radio.parceira@exemplo.com.br")
    made = [
        CommentFactory(
            text=text,
            status=status,
            category=category,
            confidence=confidence,
            needs_review=confidence is not None and confidence < 0.6,
            classifier_backend="local" if category else "",
            source=Source.IMPORT if index % 2 else Source.API,
            submitted_by=partner if index % 3 else None,
        )
        for index, (text, status, category, confidence) in enumerate(rows)
    ]
    CommentTag.objects.create(comment=made[1], tag=audio, explanation="cita 'som' e 'chiando'")
    CommentTag.objects.create(comment=made[3], tag=show, explanation="cita 'ingressos'")
    return made


def test_landing_page_on_a_desktop(desktop):
    desktop.open("/")

    assert desktop.page.locator("h1").inner_text() == "O que os ouvintes estão dizendo"
    cards = desktop.page.locator(".card h2").all_inner_texts()
    assert cards == ["Relatório", "Curadoria", "API"]
    assert desktop.external_requests() == []
    desktop.screenshot("landing")


def test_landing_page_fits_a_phone(phone):
    phone.open("/")

    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert phone.page.get_by_role("link", name="Entrar no painel").is_visible()
    phone.screenshot("landing_phone")


def test_admin_login_page_is_in_portuguese(desktop):
    desktop.open("/admin/login/")

    assert desktop.page.locator("#site-name").inner_text() == "AluMusic Insights · Curadoria"
    assert desktop.page.locator("label[for=id_username]").inner_text().startswith("E-mail")
    assert desktop.page.locator("input[type=submit]").get_attribute("value") == "Acessar"
    desktop.screenshot("admin_login")


def test_curator_logs_in_and_sees_the_console(desktop, curator):
    desktop.admin_login(curator.email)

    assert desktop.page.locator("h1").inner_text() == "Painel da curadoria"
    body = desktop.page.locator("#content-main").inner_text()
    for section in ("Comentários", "Tags", "Chamadas ao LLM", "Avaliações"):
        assert section in body
    desktop.screenshot("admin_index")


def test_comment_list_shows_every_status_and_category(desktop, curator, comments):
    desktop.admin_login(curator.email)
    desktop.open("/admin/comments/comment/")

    rows = desktop.page.locator("#result_list tbody tr")
    assert rows.count() == len(comments)
    table = desktop.page.locator("#result_list").inner_text()
    for label in ("Elogio", "Crítica", "Sugestão", "Dúvida", "Spam"):
        assert label in table
    for label in ("Pendente", "Processando", "Concluído", "Falhou"):
        assert label in table
    assert "97 %" in table
    _assert_table_fits(desktop)
    assert desktop.page.get_by_role("link", name="Importar arquivo").is_visible()
    assert desktop.page.get_by_role("link", name="Exportar").is_visible()
    desktop.screenshot("admin_comments")


def test_comment_list_search_narrows_to_matching_rows(desktop, curator, comments):
    desktop.admin_login(curator.email)
    desktop.open("/admin/comments/comment/")

    desktop.page.fill("#searchbar", "ingressos")
    desktop.page.press("#searchbar", "Enter")
    desktop.page.wait_for_load_state("networkidle")

    rows = desktop.page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Recife" in rows.first.inner_text()
    desktop.screenshot("admin_comments_search")


def test_comment_page_shows_classification_and_tags(desktop, curator, comments):
    comment = comments[1]
    desktop.admin_login(curator.email)
    desktop.open(f"/admin/comments/comment/{comment.pk}/change/")

    content = desktop.page.locator("#content").inner_text()
    assert comment.text in content
    assert "Classificação" in content
    assert "qualidade_audio" in content
    assert "cita 'som' e 'chiando'" in content
    desktop.screenshot("admin_comment")


@pytest.mark.parametrize(
    ("path", "name", "title_selector"),
    [
        ("/api/docs/", "api_docs", ".swagger-ui .info .title"),
        ("/api/redoc/", "api_redoc", "h1"),
    ],
)
def test_api_docs_render_with_no_request_off_the_server(desktop, path, name, title_selector):
    desktop.open(path)

    title = desktop.page.locator(title_selector).first
    title.wait_for(state="visible", timeout=15_000)
    assert "AluMusic Insights API" in title.inner_text()
    assert desktop.external_requests() == []
    desktop.screenshot(name, full_page=False)  # Redoc's page is thousands of pixels tall


def test_curator_imports_a_csv_file_from_the_comment_list(desktop, curator, tmp_path):
    upload = tmp_path / "comentarios.csv"
    upload.write_text("texto\nO refrão gruda na cabeça\nCadê a letra sincronizada?\n")
    desktop.admin_login(curator.email)
    desktop.open("/admin/comments/comment/")

    desktop.page.get_by_role("link", name="Importar arquivo").click()
    desktop.page.wait_for_load_state("networkidle")
    desktop.screenshot("admin_import")
    desktop.page.set_input_files("#id_file", str(upload))
    desktop.page.click("input[type=submit][value='Verificar o arquivo']")
    desktop.page.wait_for_load_state("networkidle")
    assert "Todas as linhas passaram" in desktop.page.locator("#import-preview").inner_text()
    desktop.screenshot("admin_import_preview")
    desktop.page.click("input[type=submit][value^='Confirmar a importação']")
    desktop.page.wait_for_load_state("networkidle")

    message = desktop.page.locator(".messagelist").inner_text()
    assert "2 novos" in message
    assert "O refrão gruda na cabeça" in desktop.page.locator("#result_list").inner_text()
    desktop.screenshot("admin_import_done")


def test_tag_list_shows_codes_descriptions_and_counts(desktop, curator, comments):
    desktop.admin_login(curator.email)
    desktop.open("/admin/comments/tag/?q=show_ingresso")

    row = desktop.page.locator("#result_list tbody tr").first
    assert "show_ingresso" in row.inner_text()
    assert row.locator("td.field-usage_total").inner_text() == "1"
    desktop.open("/admin/comments/tag/")
    desktop.screenshot("admin_tags")


def test_pipeline_records_are_readable(desktop, curator):
    LLMCall.objects.create(
        backend="gemini",
        model="gemini-2.5-flash-lite",
        prompt_version="classify_v1",
        comment_count=50,
        input_tokens=4210,
        output_tokens=980,
        latency_ms=1350,
        cost_usd="0.000813",
        outcome="ok",
    )
    run = EvaluationRun.objects.create(
        dataset="insights/data/eval.jsonl",
        backend="local",
        model="default",
        item_count=450,
        accuracy=0.931,
        macro_f1=0.927,
        metrics={
            "report": {
                label: {"precision": 0.93, "recall": 0.92, "f1-score": 0.925, "support": 90}
                for label in ("ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM")
            },
            "tags": {"micro": {"precision": 0.86, "recall": 0.81, "f1": 0.834}},
        },
        confusion_matrix={
            "labels": ["ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM"],
            "matrix": [
                [84, 3, 2, 1, 0],
                [2, 83, 4, 1, 0],
                [3, 4, 81, 2, 0],
                [1, 1, 3, 85, 0],
                [0, 0, 0, 1, 89],
            ],
        },
    )
    desktop.admin_login(curator.email)

    desktop.open("/admin/insights/llmcall/")
    assert "gemini-2.5-flash-lite" in desktop.page.locator("#result_list").inner_text()
    _assert_table_fits(desktop)
    desktop.screenshot("admin_llm_calls")
    desktop.open(f"/admin/insights/evaluationrun/{run.pk}/change/")
    content = desktop.page.locator("#content").inner_text()
    assert "Matriz de confusão" in content
    assert "0,925" in content
    assert "F1 0,834" in content
    desktop.screenshot("admin_evaluation")

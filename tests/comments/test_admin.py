"""The curators' admin: every page opens with bounded queries, search, filters, import, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Category, Comment, CommentTag, Source, Status, Tag
from common.pagination import LargeTablePaginator
from insights.models import EvaluationRun, LLMCall
from tests.factories import (
    ApiClientFactory,
    CommentFactory,
    EvaluationRunFactory,
    LLMCallFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES_PER_PAGE = 15


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


def _comment(text: str, status: str, category: str | None, **extra) -> Comment:
    return CommentFactory(text=text, status=status, category=category, **extra)


@pytest.fixture
def comments() -> list[Comment]:
    """A comment in every status and category, some tagged, one flagged for review."""
    tag = TagFactory(code="qualidade_audio", description="Qualidade do som")
    made = [
        _comment(
            "O álbum novo é lindo demais",
            Status.DONE,
            Category.PRAISE,
            confidence=0.97,
            classifier_backend="gemini",
        ),
        _comment("O som chia no fone", Status.DONE, Category.CRITICISM, confidence=0.81),
        _comment("Podiam lançar a versão acústica", Status.DONE, Category.SUGGESTION),
        _comment("Quando sai a turnê?", Status.DONE, Category.QUESTION, needs_review=True),
        _comment("Ganhe seguidores em bit.ly/x", Status.DONE, Category.SPAM, confidence=0.99),
        _comment("Ainda na fila", Status.PENDING, None),
        _comment("Sendo processado agora", Status.PROCESSING, None),
        _comment("Este deu erro", Status.FAILED, None, last_error="timeout", attempts=5),
    ]
    for comment in made[:3]:
        CommentTag.objects.create(comment=comment, tag=tag, explanation="menciona 'som'")
    return made


@pytest.fixture
def pipeline_records() -> None:
    LLMCallFactory(comment_count=50, input_tokens=4000, output_tokens=900, latency_ms=1200)
    EvaluationRunFactory(
        dataset="insights/data/eval.jsonl",
        model="default",
        item_count=450,
        accuracy=0.93,
        macro_f1=0.925,
        metrics={
            "report": {
                "ELOGIO": {"precision": 0.9, "recall": 0.95, "f1-score": 0.92, "support": 90}
            }
        },
        confusion_matrix={"labels": ["ELOGIO", "SPAM"], "matrix": [[88, 2], [1, 89]]},
    )


ADMIN_MODELS = ("comments_comment", "comments_tag", "insights_llmcall", "insights_evaluationrun")


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_changelist_opens_for_a_curator_with_bounded_queries(
    curator_client, comments, pipeline_records, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        response = curator_client.get(reverse(f"admin:{model}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_change_page_opens_for_a_curator_with_bounded_queries(
    curator_client, comments, pipeline_records, model, django_assert_max_num_queries
):
    app_label, model_name = model.split("_")
    obj = apps.get_model(app_label, model_name).objects.first()

    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        response = curator_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "model_admin",
    list(admin.site._registry.values()),
    ids=lambda model_admin: model_admin.opts.label_lower,
)
def test_every_registered_admin_list_opens_for_a_superuser(admin_client, model_admin):
    opts = model_admin.opts

    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    assert response.status_code == 200


def test_comment_list_query_count_does_not_grow_with_rows(
    curator_client, comments, django_assert_max_num_queries
):
    CommentFactory.create_batch(40, status=Status.PENDING, submitted_by=ApiClientFactory())

    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        response = curator_client.get(reverse("admin:comments_comment_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 48


def test_admin_index_lists_comments_tags_and_pipeline_records_for_a_curator(curator_client):
    response = curator_client.get(reverse("admin:index"))

    page = response.content.decode()
    assert response.status_code == 200
    for title in ("Comentários", "Tags", "Chamadas ao LLM", "Avaliações"):
        assert title in page


def test_an_api_client_account_cannot_open_the_admin(client_user):
    client = Client()
    client.force_login(client_user)

    response = client.get(reverse("admin:comments_comment_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_search_finds_comments_by_a_piece_of_their_text(curator_client, comments):
    response = curator_client.get(reverse("admin:comments_comment_changelist"), {"q": "turnê"})

    shown = [c.text for c in response.context["cl"].result_list]
    assert shown == ["Quando sai a turnê?"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": Status.FAILED}, ["Este deu erro"]),
        ({"category__exact": Category.SPAM}, ["Ganhe seguidores em bit.ly/x"]),
        ({"needs_review__exact": "1"}, ["Quando sai a turnê?"]),
        ({"classifier_backend": "gemini"}, ["O álbum novo é lindo demais"]),
    ],
)
def test_filters_narrow_the_comment_list(curator_client, comments, params, expected):
    response = curator_client.get(reverse("admin:comments_comment_changelist"), params)

    assert [c.text for c in response.context["cl"].result_list] == expected


def test_comment_list_shows_text_escaped(curator_client):
    CommentFactory(text="<script>alert('x')</script> música boa")

    response = curator_client.get(reverse("admin:comments_comment_changelist"))

    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_comment_page_is_read_only_for_a_curator(curator_client, comments):
    comment = comments[0]
    url = reverse("admin:comments_comment_change", args=[comment.pk])

    response = curator_client.post(url, {"text": "alterado"})

    comment.refresh_from_db()
    assert response.status_code == 403
    assert comment.text == "O álbum novo é lindo demais"


def test_comment_page_shows_the_tags_with_their_explanation(curator_client, comments):
    url = reverse("admin:comments_comment_change", args=[comments[0].pk])

    response = curator_client.get(url)

    page = response.content.decode()
    assert "qualidade_audio" in page
    assert "menciona &#x27;som&#x27;" in page


def test_a_comment_typed_in_the_admin_goes_through_ingestion(curator_client, curator):
    response = curator_client.post(
        reverse("admin:comments_comment_add"), {"text": "  Adorei o show de ontem  "}
    )

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert comment.text == "Adorei o show de ontem"
    assert comment.source == Source.ADMIN
    assert comment.submitted_by == curator
    assert comment.enqueued_at is not None


def test_an_unreadable_file_is_refused_in_the_admin_and_stores_nothing(curator_client):
    upload = io.BytesIO(b"PK\x03\x04 not really a workbook")
    upload.name = "planilha.xlsx"

    response = curator_client.post(reverse("admin:comments_comment_import_file"), {"file": upload})

    assert response.status_code == 200
    assert "ilegível" in response.content.decode()
    assert not Comment.objects.exists()


def _export_csv(client: Client, query: str = "") -> list[dict[str, str]]:
    fields = ("id", "texto", "status", "categoria", "confianca", "tags")
    data = {"format": "0", "resource": "0"} | {f"commentresource_{f}": "on" for f in fields}
    url = reverse("admin:comments_comment_export") + query
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_escapes_spreadsheet_formulas(curator_client):
    for text in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "música normal"):
        CommentFactory(text=text)

    rows = _export_csv(curator_client)

    exported = sorted(row["texto"] for row in rows)
    assert exported == sorted(
        ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", "música normal"]
    )


def test_xlsx_export_stores_formula_looking_text_as_text(curator_client):
    CommentFactory(text="=1+1 achei o show caro")
    data = {"format": "2", "resource": "0", "commentresource_texto": "on"}

    response = curator_client.post(reverse("admin:comments_comment_export"), data)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=1)
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert cell.value == "'=1+1 achei o show caro"
    assert cell.data_type == "s"


def test_json_export_keeps_formula_looking_text_verbatim(curator_client):
    CommentFactory(text="-2 estrelas, achei o show caro")
    data = {"format": "1", "resource": "0", "commentresource_texto": "on"}

    response = curator_client.post(reverse("admin:comments_comment_export"), data)

    assert response["Content-Disposition"].endswith('.json"')
    assert json.loads(response.content) == [{"texto": "-2 estrelas, achei o show caro"}]


def test_export_keeps_the_list_filters_and_lists_tags(curator_client, comments):
    rows = _export_csv(curator_client, "?category__exact=CRÍTICA")

    assert [(r["texto"], r["categoria"], r["tags"]) for r in rows] == [
        ("O som chia no fone", "CRÍTICA", "qualidade_audio")
    ]


def test_tag_list_counts_the_comments_of_each_tag(curator_client, comments):
    TagFactory(code="letra")

    response = curator_client.get(reverse("admin:comments_tag_changelist"), {"q": "a"})

    counts = {tag.code: tag.usage_total for tag in response.context["cl"].result_list}
    assert counts["qualidade_audio"] == 3
    assert counts["letra"] == 0


def test_tag_list_filters_aliases_from_canonical_tags(curator_client):
    canonical = TagFactory(code="show")
    TagFactory(code="shows_ao_vivo", merged_into=canonical)
    url = reverse("admin:comments_tag_changelist")

    aliases = curator_client.get(url, {"mesclada": "sim"}).context["cl"].result_list

    assert [tag.code for tag in aliases] == ["shows_ao_vivo"]


def test_a_tag_created_by_a_curator_is_marked_as_such(curator_client):
    response = curator_client.post(
        reverse("admin:comments_tag_add"), {"code": "fone_ouvido", "description": "Fones"}
    )

    assert response.status_code == 302
    assert Tag.objects.get(code="fone_ouvido").origin == "curator"


def test_evaluation_page_shows_per_label_metrics_and_confusion_matrix(
    curator_client, pipeline_records
):
    run = EvaluationRun.objects.get()

    response = curator_client.get(reverse("admin:insights_evaluationrun_change", args=[run.pk]))

    page = response.content.decode()
    assert "0,920" in page  # F1 of ELOGIO, in pt-BR
    assert "<td>88</td>" in page


def test_pipeline_records_cannot_be_added_or_changed(curator_client, pipeline_records):
    call = LLMCall.objects.get()

    add = curator_client.get(reverse("admin:insights_llmcall_add"))
    change = curator_client.post(
        reverse("admin:insights_llmcall_change", args=[call.pk]), {"model": "outro"}
    )

    assert add.status_code == 403
    assert change.status_code == 403


def test_date_hierarchy_offers_the_days_between_first_and_last_without_a_distinct_scan(
    curator_client,
):
    CommentFactory(received_at=datetime(2026, 3, 10, 15, tzinfo=UTC))
    CommentFactory(received_at=datetime(2026, 3, 12, 15, tzinfo=UTC))
    url = reverse("admin:comments_comment_changelist")

    with CaptureQueriesContext(connection) as queries:
        response = curator_client.get(url)

    page = response.content.decode()
    assert all("DISTINCT" not in query["sql"].upper() for query in queries.captured_queries)
    for day in (10, 11, 12):
        assert f"received_at__day={day}" in page
    assert "received_at__day=13" not in page


def test_date_hierarchy_of_a_search_spans_the_matching_comments_only(curator_client):
    CommentFactory(text="Ingresso comprado", received_at=datetime(2026, 3, 10, 15, tzinfo=UTC))
    CommentFactory(text="Ingresso esgotado", received_at=datetime(2026, 3, 11, 15, tzinfo=UTC))
    CommentFactory(text="Som ruim", received_at=datetime(2026, 3, 14, 15, tzinfo=UTC))
    url = reverse("admin:comments_comment_changelist")

    page = curator_client.get(url, {"q": "ingresso"}).content.decode()

    assert "received_at__day=10" in page
    assert "received_at__day=11" in page
    assert "received_at__day=12" not in page


def test_long_lists_show_an_estimated_count_beyond_the_cap(curator_client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_CAP", 5)
    CommentFactory.create_batch(8)

    response = curator_client.get(reverse("admin:comments_comment_changelist"))

    assert response.context["cl"].paginator.is_estimate
    assert "cerca de" in response.content.decode()


def test_comment_page_says_yes_or_no_in_words_and_names_the_classifier(curator_client, comments):
    url = reverse("admin:comments_comment_change", args=[comments[0].pk])

    page = curator_client.get(url).content.decode()

    assert "icon-no.svg" not in page  # a red cross for an ordinary "no"
    assert '<div class="readonly">não</div>' in page
    assert "Gemini" in page
    assert ">Backend:<" not in page


def test_an_empty_export_list_says_what_fills_it(curator_client):
    page = curator_client.get(reverse("admin:comments_exportjob_changelist")).content.decode()

    assert "Nenhuma exportação em segundo plano" in page
    assert "mais de 10.000 linhas" in page

"""The curator workbench (issue 8): review queue, corrections, bulk actions, tags, exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from comments.exporting import export_file_for, export_job_run, exports_purge_expired
from comments.models import Category, Comment, CommentTag, ExportJob, ExportStatus, Status, Tag
from comments.review import comment_review
from comments.selectors import comments_reviewed_gold
from insights.pipeline.store import canonical_tag_ids
from tests.factories import ApiClientFactory, CommentFactory, TagFactory

pytestmark = pytest.mark.django_db

QUEUE = "admin:comments_reviewqueuecomment_changelist"


def _review_url(comment: Comment) -> str:
    return reverse("admin:comments_reviewqueuecomment_change", args=[comment.pk])


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


@pytest.fixture
def queue() -> list[Comment]:
    """Three comments waiting for review (confidence 0.3, 0.4, 0.5) and one already fine."""
    audio = TagFactory(code="qualidade_audio")
    made = [
        CommentFactory(
            text=f"comentário {n}",
            status=Status.DONE,
            category=Category.QUESTION,
            confidence=confidence,
            margin=0.05,
            needs_review=True,
            classifier_backend="local",
        )
        for n, confidence in enumerate((0.5, 0.3, 0.4))
    ]
    CommentTag.objects.create(comment=made[1], tag=audio, explanation="cita 'som'")
    CommentFactory(text="tudo certo", status=Status.DONE, category=Category.PRAISE, confidence=0.99)
    return sorted(made, key=lambda c: c.confidence)


# -- the correction service and gold data ------------------------------------------------------


def test_review_with_a_category_records_reviewer_and_marks_it_human_set(curator, queue):
    comment = comment_review(comment_id=str(queue[0].pk), reviewer=curator, category="CRÍTICA")

    comment.refresh_from_db()
    assert comment.category == "CRÍTICA"
    assert comment.category_set_by_human
    assert not comment.tags_set_by_human
    assert comment.reviewed_by == curator
    assert comment.reviewed_at is not None
    assert comment.needs_review is False
    assert list(comments_reviewed_gold()) == [comment]


def test_review_with_tags_replaces_them_with_canonical_tags_set_by_a_human(curator, queue):
    canonical = TagFactory(code="show_ingresso")
    TagFactory(code="ingresso", merged_into=canonical)

    comment_review(comment_id=str(queue[0].pk), reviewer=curator, tag_codes=["ingresso"])

    queue[0].refresh_from_db()
    assert queue[0].tags_set_by_human
    assert not queue[0].category_set_by_human
    assert list(queue[0].comment_tags.values_list("tag__code", flat=True)) == ["show_ingresso"]


def test_review_refuses_an_unknown_category_or_tag(curator, queue):
    from lib.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        comment_review(comment_id=str(queue[0].pk), reviewer=curator, category="OUTRA")
    with pytest.raises(ValidationFailed):
        comment_review(comment_id=str(queue[0].pk), reviewer=curator, tag_codes=["nao_existe"])


# -- the review queue and page -----------------------------------------------------------------


def test_review_queue_lists_the_flagged_comments_lowest_confidence_first(curator_client, queue):
    response = curator_client.get(reverse(QUEUE))

    body = response.content.decode()
    assert response.status_code == 200
    positions = [body.index(c.text) for c in queue]
    assert positions == sorted(positions)
    assert "tudo certo" not in body
    assert _review_url(queue[0]) in body  # "Começar a revisar"


def test_review_page_shows_the_suggestion_apart_from_the_answer_with_bounded_queries(
    curator_client, queue
):
    with CaptureQueriesContext(connection) as queries:
        response = curator_client.get(_review_url(queue[0]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Sugestão do modelo" in body
    assert "Sua resposta" in body
    assert "30,0 %" in body  # confidence, pt-BR
    assert "cita &#x27;som&#x27;" in body  # the tag's explanation
    assert len(queries) <= 12


def test_accepting_a_suggestion_lands_on_the_next_comment_of_the_queue(curator_client, queue):
    response = curator_client.post(
        _review_url(queue[0]), {"category": "DÚVIDA", "tags": ["qualidade_audio"], "_save": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == _review_url(queue[1])
    queue[0].refresh_from_db()
    assert queue[0].needs_review is False
    assert queue[0].category == "DÚVIDA"


def test_a_correction_changes_category_and_tags(curator_client, queue):
    curator_client.post(_review_url(queue[0]), {"category": "CRÍTICA", "_save": "1"})

    queue[0].refresh_from_db()
    assert queue[0].category == "CRÍTICA"
    assert queue[0].category_set_by_human
    assert queue[0].tags_set_by_human  # the curator unticked the suggested tag
    assert not queue[0].comment_tags.exists()


def test_skipping_moves_on_without_saving(curator_client, queue):
    response = curator_client.post(_review_url(queue[0]), {"_skip": "1"})

    assert response["Location"] == _review_url(queue[1])
    queue[0].refresh_from_db()
    assert queue[0].needs_review is True
    assert queue[0].reviewed_at is None


def test_the_last_review_returns_to_the_empty_queue(curator_client, queue):
    for comment in queue:
        response = curator_client.post(_review_url(comment), {"category": "ELOGIO", "_save": "1"})

    assert response["Location"] == reverse(QUEUE)
    assert "Nada para revisar" in curator_client.get(reverse(QUEUE)).content.decode()


# -- the comment list: badges, filters, full-text search, query counts -------------------------


def test_comment_list_shows_badges_bars_and_tags_with_bounded_queries(curator_client, queue):
    for n in range(30):
        comment = CommentFactory(
            text=f"mais um {n}", status=Status.DONE, category="ELOGIO", confidence=0.9
        )
        CommentTag.objects.create(comment=comment, tag=Tag.objects.get(code="qualidade_audio"))
    with CaptureQueriesContext(connection) as queries:
        response = curator_client.get(reverse("admin:comments_comment_changelist"))

    body = response.content.decode()
    assert 'class="badge badge-praise"' in body
    assert 'class="bar bar-low"' in body
    assert "30 %" in body
    assert 'class="tag-chip"' in body
    assert len(queries) <= 15


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"confianca": "0-40"}, {"comentário 1"}),
        ({"confianca": "40-60"}, {"comentário 0", "comentário 2"}),
        ({"na_fila": "sim"}, {"comentário 0", "comentário 1", "comentário 2"}),
        ({"tag": "qualidade_audio"}, {"comentário 1"}),
        ({"classificador": "local"}, {"comentário 0", "comentário 1", "comentário 2"}),
    ],
)
def test_filters_narrow_the_list(curator_client, queue, params, expected):
    response = curator_client.get(reverse("admin:comments_comment_changelist"), params)

    shown = {c.text for c in response.context["cl"].result_list}
    assert shown == expected


def test_reviewed_and_date_range_filters(curator_client, curator, queue):
    comment_review(comment_id=str(queue[0].pk), reviewer=curator)
    url = reverse("admin:comments_comment_changelist")

    reviewed = curator_client.get(url, {"revisado": "sim"}).context["cl"].result_list
    none = curator_client.get(url, {"recebido_de": "2000-01-01", "recebido_ate": "2000-01-02"})

    assert [c.pk for c in reviewed] == [queue[0].pk]
    assert list(none.context["cl"].result_list) == []


def test_search_ignores_accents_and_case_and_matches_word_prefixes(
    curator_client, auth_client, client_user
):
    CommentFactory(text="Quando abre a venda de ingressos em São Paulo?", submitted_by=client_user)
    CommentFactory(text="O som está ótimo", submitted_by=client_user)
    url = reverse("admin:comments_comment_changelist")

    admin_hits = curator_client.get(url, {"q": "INGRESSO sao"}).context["cl"].result_list
    api_hits = auth_client.get("/api/comentarios", {"search": "otimo", "limit": 10}).json()[
        "comentarios"
    ]

    assert [c.text for c in admin_hits] == ["Quando abre a venda de ingressos em São Paulo?"]
    assert [c["texto"] for c in api_hits] == ["O som está ótimo"]


def test_search_uses_the_documents_full_text_index():
    from comments.search import comments_matching

    sql = str(comments_matching(Comment.objects.all(), "show").query)
    assert 'FROM "comments_commentsearch" U0 WHERE U0."document" @@ (to_tsquery(' in sql
    assert "to_tsvector" not in sql


# -- bulk actions ------------------------------------------------------------------------------


def _act(client: Client, action: str, comments: list[Comment], **extra: str):
    data = {
        "action": action,
        "_selected_action": [str(c.pk) for c in comments],
        "index": "0",
        **extra,
    }
    return client.post(reverse("admin:comments_comment_changelist"), data, follow=True)


def test_set_category_on_a_selection_says_how_many_changed(curator_client, queue):
    response = _act(curator_client, "set_category", queue[:2], category="SUGESTÃO")

    assert "2 comentários agora são Sugestão." in response.content.decode()
    assert Comment.objects.filter(category="SUGESTÃO", category_set_by_human=True).count() == 2


def test_mark_spam_and_mark_reviewed(curator_client, queue):
    spam = _act(curator_client, "mark_spam", queue[:1])
    reviewed = _act(curator_client, "mark_reviewed", queue[1:])

    assert "1 comentário marcado como spam." in spam.content.decode()
    assert "2 comentários saíram da fila de revisão." in reviewed.content.decode()
    assert not Comment.objects.filter(needs_review=True).exists()


def test_add_and_remove_a_tag(curator_client, queue):
    TagFactory(code="bug_app")

    added = _act(curator_client, "add_tag", queue, tag="bug_app")
    removed = _act(curator_client, "remove_tag", queue[:1], tag="bug_app")

    assert "Tag bug_app adicionada a 3 comentários." in added.content.decode()
    assert "Tag bug_app removida de 1 comentário." in removed.content.decode()
    assert CommentTag.objects.filter(tag__code="bug_app").count() == 2


def test_reclassify_and_retry_failed_put_comments_back_to_pending(curator_client, queue):
    failed = CommentFactory(text="falhou", status=Status.FAILED, attempts=5, last_error="x")

    retried = _act(curator_client, "retry_failed", [*queue, failed])
    again = _act(curator_client, "reclassify", queue[:2])

    assert "1 comentário com falha voltou para a fila." in retried.content.decode()
    assert "2 comentários enviados para reclassificação." in again.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.PENDING
    assert failed.attempts == 0


def test_an_action_on_the_whole_filter_result(curator_client, queue):
    data = {
        "action": "mark_reviewed",
        "select_across": "1",
        "index": "0",
        "_selected_action": [str(queue[0].pk)],
    }
    response = curator_client.post(
        reverse("admin:comments_comment_changelist") + "?na_fila=sim", data, follow=True
    )

    assert "3 comentários saíram da fila de revisão." in response.content.decode()


# -- tags ------------------------------------------------------------------------------------


def test_merging_tags_moves_comments_and_keeps_the_alias_for_future_outputs(curator_client):
    target = TagFactory(code="show_ingresso")
    alias = TagFactory(code="ingressos_show")
    comment = CommentFactory(text="ingressos esgotados")
    CommentTag.objects.create(comment=comment, tag=alias, explanation="cita 'ingressos'")
    url = reverse("admin:comments_tag_changelist")

    page = curator_client.post(url, {"action": "merge_action", "_selected_action": [alias.pk]})
    done = curator_client.post(
        url,
        {"action": "merge_action", "_selected_action": [alias.pk], "target": "show_ingresso"},
        follow=True,
    )

    assert "Mesclar tags" in page.content.decode()
    assert "1 tag mesclada em show_ingresso" in done.content.decode()
    assert list(comment.comment_tags.values_list("tag__code", "explanation")) == [
        ("show_ingresso", "cita 'ingressos'")
    ]
    assert canonical_tag_ids({"ingressos_show": ""}) == {"ingressos_show": target.pk}


def test_tag_list_shows_usage_in_the_last_week_and_in_total(curator_client, queue):
    response = curator_client.get(reverse("admin:comments_tag_changelist"))

    body = response.content.decode()
    assert "omentários (7 dias)" in body
    assert "omentários (total)" in body
    assert "Taxonomia" in body


def test_renaming_a_tag_goes_through_the_service(curator_client):
    tag = TagFactory(code="som_ruim", description="x")
    url = reverse("admin:comments_tag_change", args=[tag.pk])

    curator_client.post(url, {"code": "qualidade_som", "description": "Qualidade do som"})

    tag.refresh_from_db()
    assert tag.code == "qualidade_som"


# -- exports ---------------------------------------------------------------------------------


def test_an_export_above_the_threshold_becomes_a_job_with_a_download(
    curator_client, settings, tmp_path
):
    settings.EXPORT_ASYNC_THRESHOLD = 2
    settings.EXPORT_DIR = tmp_path
    for n in range(3):
        CommentFactory(text=f"=linha {n}", status=Status.DONE, category="ELOGIO", confidence=0.5)

    response = curator_client.post(
        reverse("admin:comments_comment_export"),
        {"format": "0", "resource": "0", "commentresource_texto": "on"},
    )
    job = ExportJob.objects.get()
    export_job_run(job_id=str(job.pk))  # what the Celery task does
    page = curator_client.get(reverse("admin:comments_exportjob_change", args=[job.pk]))
    download = curator_client.get(reverse("admin:comments_exportjob_download", args=[job.pk]))

    assert response.status_code == 302
    assert "Pronto" in page.content.decode()
    assert "Baixar" in page.content.decode()
    rows = list(
        csv.DictReader(b"".join(download.streaming_content).decode("utf-8-sig").splitlines())
    )
    assert sorted(row["texto"] for row in rows) == ["'=linha 0", "'=linha 1", "'=linha 2"]


def test_expired_export_files_are_deleted(settings, tmp_path, curator):
    settings.EXPORT_DIR = tmp_path
    settings.EXPORT_FILE_TTL_HOURS = 0
    CommentFactory(text="um")
    from comments.exporting import export_job_create

    job = export_job_create(
        queryset=Comment.objects.all(), file_format="json", user=curator, total=1
    )
    export_job_run(job_id=str(job.pk))
    job.refresh_from_db()

    assert exports_purge_expired() == 1
    assert export_file_for(job) is None
    assert not list(Path(tmp_path).iterdir())
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED


def test_export_page_is_in_portuguese_without_a_blank_format(curator_client):
    body = curator_client.get(reverse("admin:comments_comment_export")).content.decode()

    assert "Formato do arquivo" not in body or "---" not in body
    assert "---" not in body
    assert "confiança (0 a 1) (confianca)" in body
    for english in ("This exporter", "Select all", "Submit", "Format:", ">Format<", "Export<"):
        assert english not in body


# -- dashboard ---------------------------------------------------------------------------------


def test_dashboard_is_the_admin_index_with_figures_in_the_html(curator_client, queue):
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = curator_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as warm:
        curator_client.get(reverse("admin:index"))

    body = response.content.decode()
    assert "Painel da curadoria" in body
    assert 'data-figure="review">3<' in body
    assert "<svg" in body
    assert "cdn" not in body.lower()
    assert len(cold) <= 16
    assert len(warm) <= 4  # session and user only: the figures come from the cache


def test_dashboard_json_refresh(curator_client, queue):
    data = curator_client.get(reverse("admin:dashboard_json")).json()

    assert data["valores"]["review"] == "3"
    assert "category-ELOGIO" in data["graficos"]


# -- permissions -------------------------------------------------------------------------------

CURATOR_PAGES = [
    "admin:index",
    "admin:dashboard_json",
    QUEUE,
    "admin:comments_comment_changelist",
    "admin:comments_comment_export",
    "admin:comments_tag_changelist",
    "admin:comments_exportjob_changelist",
]


@pytest.mark.parametrize("page", CURATOR_PAGES)
def test_pages_open_for_a_curator_and_are_refused_to_api_clients_and_anonymous(
    curator_client, page
):
    api_client = Client()
    api_client.force_login(ApiClientFactory())

    assert curator_client.get(reverse(page)).status_code == 200
    assert api_client.get(reverse(page)).status_code == 302  # to the admin login
    assert Client().get(reverse(page)).status_code == 302


def test_actions_are_refused_to_api_clients(queue):
    api_client = Client()
    api_client.force_login(ApiClientFactory())

    _act(api_client, "mark_spam", queue)
    api_client.post(_review_url(queue[0]), {"category": "SPAM", "_save": "1"})

    assert not Comment.objects.filter(category="SPAM").exists()


def test_only_superusers_manage_users_tokens_and_schedules(curator_client):
    for page in (
        "admin:accounts_user_changelist",
        "admin:authtoken_tokenproxy_changelist",
        "admin:django_celery_beat_periodictask_add",
    ):
        assert curator_client.get(reverse(page)).status_code == 403


def test_create_curator_command_makes_a_staff_member_of_curadores(capsys):
    call_command("create_curator", "nova@alumusic.com.br")

    user = User.objects.get(email="nova@alumusic.com.br")
    assert user.is_staff
    assert user.is_curator
    assert not user.is_superuser
    assert "Senha gerada" in capsys.readouterr().out

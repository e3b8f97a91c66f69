"""Search documents live in their own table, off ingestion and the pipeline's UPDATEs (issue 12)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from comments.bulk import comments_set_category
from comments.models import Category, Comment, CommentSearch, Source, Status
from comments.review import comment_review
from comments.search import comments_matching
from comments.services import comments_ingest

pytestmark = pytest.mark.django_db


def _index_options(name: str) -> list[str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def test_the_search_index_batches_writes_in_a_small_pending_list():
    options = _index_options("comment_search_document_idx")

    assert options is not None
    assert set(options) >= {"fastupdate=on", "gin_pending_list_limit=512"}


def test_comments_carry_no_text_search_index_any_more():
    assert _index_options("comment_text_fts_idx") is None


def test_ingestion_writes_no_search_document():
    result = comments_ingest(
        items=[{"texto": "Show lindo em Natal"}], source=Source.API, submitted_by=None
    )

    assert Comment.objects.filter(pk__in=result.stored_ids).exists()
    assert not CommentSearch.objects.exists()


def test_the_search_reads_the_documents_table():
    sql = str(comments_matching(Comment.objects.all(), "show").query)

    assert 'FROM "comments_commentsearch" U0 WHERE U0."document" @@ (to_tsquery(' in sql
    assert "to_tsvector" not in sql


def test_a_curator_category_on_a_waiting_comment_makes_it_searchable(curator):
    (comment_id,) = comments_ingest(
        items=[{"texto": "Vocês vão tocar em Cuiabá?"}], source=Source.API, submitted_by=None
    ).stored_ids

    comments_set_category(
        queryset=Comment.objects.filter(pk=comment_id), category=Category.QUESTION, reviewer=curator
    )

    assert Comment.objects.get(pk=comment_id).status == Status.DONE
    found = comments_matching(Comment.objects.all(), "cuiaba").values_list("pk", flat=True)
    assert [str(pk) for pk in found] == [comment_id]


def test_a_curator_review_of_a_waiting_comment_makes_it_searchable(curator):
    (comment_id,) = comments_ingest(
        items=[{"texto": "O áudio da live de Goiânia falhou"}], source=Source.API, submitted_by=None
    ).stored_ids

    comment = comment_review(comment_id=comment_id, reviewer=curator, category=Category.CRITICISM)

    assert comment.status == Status.DONE
    found = comments_matching(Comment.objects.all(), "goiania").values_list("pk", flat=True)
    assert [str(pk) for pk in found] == [comment_id]


@pytest.mark.django_db(transaction=True)
def test_the_migration_back_fills_every_existing_comment():
    executor = MigrationExecutor(connection)
    executor.migrate([("comments", "0008_search_pending_list")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO comments_comment (id, text, source, received_at, status, attempts, "
            "last_error, failure_kind, needs_review, category_set_by_human, tags_set_by_human, "
            "classifier_backend, classifier_model, prompt_version) VALUES "
            "(gen_random_uuid(), 'Ingressos esgotados em Aracaju', 'api', now(), 'FALHOU', "
            "1, '', '', false, false, false, '', '', ''), "
            "(gen_random_uuid(), 'Esperando na fila em Maceió', 'api', now(), 'PENDENTE', "
            "0, '', '', false, false, false, '', '', '')"
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert CommentSearch.objects.count() == 2
    for words in ("aracaju", "maceio"):
        assert comments_matching(Comment.objects.all(), words).count() == 1
    assert _index_options("comment_text_fts_idx") is None

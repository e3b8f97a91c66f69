"""`manage.py generate_comments`: realistic synthetic comments loaded with COPY."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from comments import generation
from comments.bulk_side_load import side_loads_possible
from comments.models import Category, Comment, CommentSearch, CommentTag, Status
from comments.search import comments_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(capsys) -> str:
    call_command("generate_comments", "--count", "3000", "--seed", "7")
    return capsys.readouterr().out


def test_it_inserts_the_count_and_reports_the_rate(generated):
    assert Comment.objects.count() == 3000
    assert "3000 comentários" in generated
    assert "comentários/s" in generated


def test_rows_look_like_twelve_weeks_of_pipeline_output(generated):
    statuses = dict(Comment.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses[Status.DONE] > 2700
    assert set(statuses) <= set(Status.values)
    done = Comment.objects.filter(status=Status.DONE)
    assert set(done.values_list("category", flat=True).distinct()) == set(Category.values)
    assert not done.filter(confidence__isnull=True).exists()
    assert not Comment.objects.exclude(status=Status.DONE).filter(category__isnull=False).exists()
    span = Comment.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert span["last"] <= timezone.now()
    assert span["first"] >= timezone.now() - timedelta(weeks=12, minutes=1)
    assert Comment.objects.filter(needs_review=True).exists()
    assert Comment.objects.filter(reviewed_at__isnull=False).exists()


def test_each_row_agrees_with_its_status_field_by_field(generated):
    # Every field comes through COPY's binary form; one query per rule that must hold.
    done = "status = 'CONCLUIDO'"
    broken = {
        "enqueued": "enqueued_at IS DISTINCT FROM received_at",
        "classified": f"(classified_at IS NOT DISTINCT FROM received_at) <> ({done})",
        "backend": f"(classifier_backend = 'local' AND classifier_model = 'tfidf-default' "
        f"AND prompt_version = 'local_v1' AND attempts = 1) <> ({done})",
        "unclassified": f"NOT ({done}) AND (classifier_backend <> '' OR attempts <> 0 "
        "OR confidence IS NOT NULL OR margin IS NOT NULL OR needs_review)",
        "decimals": "confidence <> round(confidence::numeric, 4)::float8 "
        "OR margin <> round(margin::numeric, 4)::float8 OR margin > confidence",
        "reviewed": "(reviewed_at IS NOT NULL) <> category_set_by_human "
        "OR (reviewed_at IS NOT NULL AND (reviewed_at <> received_at OR needs_review))",
        "error": "(last_error = 'tempo esgotado') <> (status = 'FALHOU')",
        "constant": "source <> 'api' OR claimed_at IS NOT NULL OR tags_set_by_human",
    }
    with connection.cursor() as cursor:
        counts = {}
        for rule, condition in broken.items():
            cursor.execute(f"SELECT count(*) FROM comments_comment WHERE {condition}")
            counts[rule] = cursor.fetchone()[0]

    assert counts == dict.fromkeys(broken, 0)
    assert Comment.objects.filter(confidence__lt=0.6, status=Status.DONE).exists()


def test_classified_comments_carry_tags_of_their_category(generated):
    links = CommentTag.objects.filter(comment__category=Category.SPAM)

    assert CommentTag.objects.count() > 3000
    assert set(links.values_list("tag__code", flat=True).distinct()) <= {
        "link_externo", "promocao_externa", "autopromocao",
    }  # fmt: skip
    texts = Comment.objects.filter(category=Category.CRITICISM).values_list("text", flat=True)
    assert any("trava" in text or "chiando" in text for text in texts[:200])


def test_every_generated_comment_gets_the_search_document_of_its_text(generated):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE s.document = "
            "to_tsvector('pt_unaccent'::regconfig, c.text)) FROM comments_comment c "
            "JOIN comments_commentsearch s ON s.comment_id = c.id"
        )
        documents, matching = cursor.fetchone()

    assert documents == matching == 3000
    assert comments_matching(Comment.objects.all(), "album incrivel").exists()


def test_ids_are_valid_uuids_in_time_order(generated):
    ordered = list(Comment.objects.order_by("received_at").values_list("id", flat=True)[:50])

    assert all(comment_id.version == 7 for comment_id in ordered)
    assert [c.hex for c in ordered] == sorted(c.hex for c in ordered)


def test_it_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match="precisa do PostgreSQL"):
        call_command("generate_comments", "--count", "10")


def _schema() -> set[tuple[object, ...]]:
    """The indexes (name, method, unique, columns, partial) and constraints (name, type,
    definition) of the three loaded tables. An index's predicate is compared by presence:
    PostgreSQL prints a recreated `IN (...)` predicate with different but equal casts."""
    tables = (
        "('comments_comment'::regclass, 'comments_commenttag'::regclass, "
        "'comments_commentsearch'::regclass)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, am.amname, i.indisunique, i.indkey::text, "
            "i.indexprs IS NOT NULL, i.indpred IS NOT NULL FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            f"WHERE i.indrelid IN {tables}"
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid IN {tables}"
        )
        return indexes | set(cursor.fetchall())


def test_a_load_into_an_empty_table_restores_every_index_and_constraint():
    before = _schema()

    call_command("generate_comments", "--count", "500")

    assert _schema() == before
    assert CommentTag.objects.filter(comment__isnull=True).count() == 0


def test_a_load_smaller_than_the_table_keeps_the_indexes_in_place(capsys):
    call_command("generate_comments", "--count", "300")
    before = _schema()

    call_command("generate_comments", "--count", "100", "--seed", "3")

    assert Comment.objects.count() == 400
    assert _schema() == before


def _row_counts() -> tuple[int, int, int]:
    return (Comment.objects.count(), CommentTag.objects.count(), CommentSearch.objects.count())


@pytest.mark.django_db(transaction=True)
def test_into_an_empty_database_links_and_documents_load_over_connections_of_their_own():
    before = _schema()
    assert side_loads_possible(connection)  # a superuser, outside any transaction

    call_command("generate_comments", "--count", "2000", "--seed", "5")

    comments, links, documents = _row_counts()
    assert (comments, documents) == (2000, 2000)
    assert links > 2000
    assert _schema() == before
    assert not CommentTag.objects.filter(comment__isnull=True).exists()
    assert comments_matching(Comment.objects.all(), "album incrivel").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_parallel_load_leaves_no_row_in_any_table(monkeypatch):
    before = _schema()
    real_chunk = generation.chunk_rows

    def chunk_with_a_bad_comment(*args):
        rows = real_chunk(*args)
        return dataclasses.replace(rows, comments=rows.comments + b"not a comment row")

    monkeypatch.setattr(generation, "chunk_rows", chunk_with_a_bad_comment)

    with pytest.raises(psycopg.errors.BadCopyFileFormat):
        call_command("generate_comments", "--count", "500")

    assert _row_counts() == (0, 0, 0)
    assert _schema() == before

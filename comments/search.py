"""Full-text search over comment text: the search documents and the query behind the admin's
search box and the API's `search` filter.

PostgreSQL matches each comment's `to_tsvector('pt_unaccent', text)` (Portuguese stemming,
accents ignored) against the words typed. The vectors live in comments_commentsearch, not in
an index on comments_comment (issue 12): an expression GIN index there cost every ingestion
INSERT and both pipeline UPDATEs a `to_tsvector` and a GIN entry. The worker writes a
comment's document when it claims it (insights.pipeline.store), so a comment still waiting in
the queue is found once a worker picks it up, normally seconds later. SQLite (the demo) keeps
no documents and uses icontains.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

from common.db import is_postgres

from .models import Comment, CommentSearch

# Created by migration 0004: the built-in `portuguese` configuration with `unaccent` first.
SEARCH_CONFIG = "pt_unaccent"
SEARCH_TABLE = CommentSearch._meta.db_table
_DOCUMENT = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, {{text}})"


def documents_insert_sql(source: str) -> str:
    """`INSERT … SELECT id, to_tsvector(text) FROM <source> ON CONFLICT DO NOTHING`.

    `source` is what follows FROM: a relation (a table or a CTE) with `id` and `text`
    columns, with a WHERE if needed. A comment that already has a document keeps it, so
    writing twice is harmless.
    """
    return (
        f"INSERT INTO {SEARCH_TABLE} (comment_id, document) "
        f"SELECT id, {_DOCUMENT.format(text='text')} FROM {source} "
        "ON CONFLICT (comment_id) DO NOTHING"
    )


def search_documents_write(*, comment_ids: Sequence[Any]) -> None:
    """Give each of these comments that has none its search document (PostgreSQL only).

    For the paths that finish or create comments without a worker's claim: a curator's
    category on a waiting comment, bulk loaders, fixtures.
    """
    if not comment_ids or not is_postgres():
        return
    comments = Comment._meta.db_table
    # Comments that already have one are skipped before their text is analysed again.
    source = (
        f"{comments} AS c WHERE c.id = ANY(%s::uuid[]) AND NOT EXISTS "
        f"(SELECT 1 FROM {SEARCH_TABLE} AS s WHERE s.comment_id = c.id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(documents_insert_sql(source), [[str(pk) for pk in comment_ids]])


_WORD = re.compile(r"\w+")
_MAX_WORDS = 8


def prefix_query(text: str) -> str:
    """`ingresso recife` -> `ingresso:* & recife:*`: every word, each also as a word prefix.

    Only word characters reach to_tsquery, so no input can be a syntax error there.
    """
    return " & ".join(f"{word}:*" for word in _WORD.findall(text)[:_MAX_WORDS])


def comments_matching(queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
    """The comments of `queryset` whose text has every word of `text` (or a word it begins)."""
    # Texts are stored in NFC, so the query is too: "música" typed as NFD still matches.
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return queryset
    if not is_postgres(queryset.db):
        return queryset.filter(text__icontains=text)
    query = prefix_query(text)
    if not query:
        return queryset.none()
    # A semi-join on the documents' GIN index; the queryset's own order is kept (no ranking).
    matches = CommentSearch.objects.using(queryset.db).filter(
        document=SearchQuery(query, config=SEARCH_CONFIG, search_type="raw")
    )
    return queryset.filter(pk__in=matches.values("comment_id"))

"""Full-text search over comment text: one function for the admin's search box and the API.

PostgreSQL matches `to_tsvector('pt_unaccent', text)` (Portuguese stemming, accents ignored)
against the words typed, served by a GIN index on that exact expression (migration 0004). It
replaced a trigram index that cost 40–160 ms per 1,000 inserted rows (issue 8); a GIN index
with `fastupdate` batches its writes. SQLite (the demo) has no such index and uses icontains.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import BooleanField, F, Func, QuerySet, Value

from common.db import is_postgres

# Created by migration 0004: the built-in `portuguese` configuration with `unaccent` first.
SEARCH_CONFIG = "pt_unaccent"


class TextMatches(Func):
    """`to_tsvector(config, text) @@ to_tsquery(config, query)`.

    Written out by hand because django.contrib.postgres's SearchVector wraps the column in
    COALESCE, which no longer matches the indexed expression, so the index would go unused.
    """

    output_field = BooleanField()
    template = (
        f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s) "
        f"@@ to_tsquery('{SEARCH_CONFIG}'::regconfig, %(query)s)"
    )

    def __init__(self, column: str, query: str, **extra: Any) -> None:
        super().__init__(F(column), **extra)
        self.query = Value(query)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra_context: Any) -> Any:
        query_sql, query_params = compiler.compile(self.query)
        sql, params = super().as_sql(compiler, connection, query=query_sql, **extra_context)
        return sql, (*params, *query_params)


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
    return queryset.filter(TextMatches("text", query)) if query else queryset.none()

"""The large CSV export written by PostgreSQL itself: `COPY (the filtered query) TO STDOUT`.

At 1M rows a Python loop over the rows (model instances, a prefetch per chunk, the csv module)
ran at ~6,000 rows/s and grew to 650 MB; here the server formats every cell, the tags come
from one index probe per row (`string_agg`), and this process only copies bytes to the file,
one COPY message (one row) at a time, so its memory stays flat (docs/performance.md).
The cells are those of `exporting._rows` (JSON, XLSX, SQLite), as the csv module writes them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import IO, Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from comments.models import Comment, CommentTag, Tag
from comments.resources import FORMULA_PREFIXES

# One cell per export column, in export_headers() order. NULL leaves an unquoted empty cell,
# as the csv module writes "" and None (COPY would quote an empty string).
# The codes come from a map of every tag built once per export (an InitPlan): a join to the
# tags table inside the per-row subquery cost 2.7x as much (a hash of the tags for every row).
_TAGS = (
    "SELECT string_agg(m.code, ', ' ORDER BY m.code) FROM {links} ct CROSS JOIN LATERAL "
    "(SELECT (SELECT jsonb_object_agg(t.id, t.code) FROM {tags} t) ->> ct.tag_id::text AS code) m "
    "WHERE ct.comment_id = {comments}.id"
)
_FORMULA_START = ", ".join(
    "E'" + prefix.replace("\t", "\\t").replace("\r", "\\r") + "'" for prefix in FORMULA_PREFIXES
)
_CELLS = {
    "c_id": "{comments}.id::text",
    # escape_formula: a cell a spreadsheet would evaluate gets a leading apostrophe.
    "c_text": f"CASE WHEN left({{comments}}.text, 1) IN ({_FORMULA_START}) "
    "THEN '''' || {comments}.text ELSE NULLIF({comments}.text, '') END",
    "c_status": "{comments}.status",
    "c_category": "NULLIF({comments}.category, '')",
    # float8's text output is the shortest exact form, as Python's repr.
    "c_confidence": "{comments}.confidence::text",
    "c_tags": f"({_TAGS})",
    # datetime.isoformat() in UTC: microseconds only when non-zero.
    "c_received": "replace(to_char({comments}.received_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00'",
    "c_source": "{comments}.source",
    "c_review": "CASE WHEN {comments}.needs_review THEN 'True' ELSE 'False' END",
    "c_backend": "NULLIF({comments}.classifier_backend, '')",
}


def csv_copy_write(
    queryset: QuerySet[Comment],
    handle: IO[bytes],
    headers: list[str],
    *,
    progress: Callable[[int], None],
    every: int,
) -> int:
    """Write `queryset` (its filters and order) as CSV to `handle`; return the rows written.
    `progress(rows)` is called every `every` rows."""
    sql, params = _rows_sql(queryset)
    handle.write(_header_line(headers))
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        # COPY TO sends one message per row, so the count is exact.
        for row in copy:
            handle.write(row)
            written += 1
            if written % every == 0:
                progress(written)
    return written


def _rows_sql(queryset: QuerySet[Comment]) -> tuple[str, tuple[Any, ...]]:
    names = {
        "comments": connection.ops.quote_name(Comment._meta.db_table),
        "links": connection.ops.quote_name(CommentTag._meta.db_table),
        "tags": connection.ops.quote_name(Tag._meta.db_table),
    }
    cells = {alias: RawSQL(sql.format(**names), ()) for alias, sql in _CELLS.items()}
    rows = (
        _without_distinct(queryset)
        .select_related(None)
        .prefetch_related(None)
        .annotate(**cells)
        .values_list(*cells)
    )
    sql, params = rows.query.sql_with_params()
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params


def _without_distinct(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    """The same rows in the same order, without DISTINCT: with it Django adds the ordering
    columns to the SELECT list, and COPY would write them as extra cells. The admin adds a
    DISTINCT when a filter crosses a many-to-many (tags)."""
    if not queryset.query.distinct:
        return queryset
    ordering = list(queryset.query.order_by) or list(Comment._meta.ordering or ())
    keys = queryset.order_by().values("pk")
    return Comment.objects.filter(pk__in=keys).order_by(*ordering)


def _header_line(headers: list[str]) -> bytes:
    buffer = io.StringIO()
    # The rows end in "\n" (COPY's line end); the header matches them.
    csv.writer(buffer, lineterminator="\n").writerow(headers)
    # utf-8-sig: Excel opens the accents right.
    return buffer.getvalue().encode("utf-8-sig")

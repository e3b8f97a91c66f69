"""Streaming exports of comments: the legacy JSON attachment and the `limit`-less list, built a
chunk of rows at a time (constant memory at 1M rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import BigIntegerField, Func, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.utils import timezone

from comments.models import CommentTag, Tag
from common.db import is_postgres

EXPORT_CHUNK = 2000
_COLUMNS = ("id", "text", "status", "category", "confidence", "received_at")

# The tags of a chunk of comments, each comment's as one JSON text built by PostgreSQL: Python
# copies the text into the output as is instead of building a dict per tag, and one array
# parameter replaces 2,000 bound ids. (A subquery per row cost PostgreSQL twice as much.)
_TAGS_JSON = (
    "SELECT ct.comment_id::text, json_agg(json_build_object('codigo', t.code, "
    "'explicacao', ct.explanation) ORDER BY t.code)::text "
    f"FROM {CommentTag._meta.db_table} ct JOIN {Tag._meta.db_table} t ON t.id = ct.tag_id "
    "WHERE ct.comment_id = ANY(%s::uuid[]) GROUP BY ct.comment_id"
)
_NO_TAGS = orjson.Fragment(b"[]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def comments_json_attachment(comments: QuerySet[Any]) -> StreamingHttpResponse:
    """`comentarios.json`: the bare JSON array of every row in `comments`, streamed."""
    response = StreamingHttpResponse(_json_array(comments), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="comentarios.json"'
    return response


def comments_json_envelope(comments: QuerySet[Any]) -> StreamingHttpResponse:
    """`{"comentarios": [...]}` with every row in `comments`, streamed: what `GET
    /api/comentarios` without `limit` answers, as the old system did (DESIGN §6)."""
    body = _json_array(comments, prefix='{"comentarios": ', suffix="}")
    return StreamingHttpResponse(body, content_type="application/json")


def _json_array(comments: QuerySet[Any], *, prefix: str = "", suffix: str = "") -> Iterator[bytes]:
    """A JSON array (between `prefix` and `suffix`) of the rows as `CommentSerializer` shapes
    them, one chunk of EXPORT_CHUNK rows per piece."""
    opening = prefix.encode() + b"["
    first = True
    chunks = _wire_chunks_postgres if is_postgres(comments.db) else _wire_chunks
    for chunk in chunks(comments):
        encoded = orjson.dumps(chunk)[1:-1]  # one call per chunk; the brackets are ours
        yield (opening if first else b",") + encoded
        first = False
    yield (opening if first else b"") + b"]" + suffix.encode()


class _EpochMicroseconds(Func):
    """A timestamp as whole microseconds since 1970 (an integer PostgreSQL computes exactly)."""

    template = "(extract(epoch FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def _wire_chunks_postgres(comments: QuerySet[Any]) -> Iterator[list[dict[str, Any]]]:
    """Rows as plain tuples from a server-side cursor, their tags' JSON in one query a chunk.

    The id comes as text and the time as an integer: Django's timestamp loader is pure Python
    and, with UUID objects built only to be printed, was most of the Python time per row.
    """
    rows = (
        comments.prefetch_related(None)
        .annotate(id_text=Cast("id", TextField()), received_us=_EpochMicroseconds("received_at"))
        .values_list("id_text", "text", "status", "category", "confidence", "received_us")
        .iterator(EXPORT_CHUNK)
    )
    zone = timezone.get_current_timezone()  # once: looking it up per row cost a fifth
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        tags = _tags_json_by_comment([row[0] for row in chunk])
        yield [
            {
                "id": pk,
                "texto": text,
                "status": status,
                "categoria": category,
                "confianca": confidence,
                "data_recebimento": (_EPOCH + timedelta(microseconds=received))
                .astimezone(zone)
                .isoformat(),
                "tags": tags.get(pk, _NO_TAGS),
            }
            for pk, text, status, category, confidence, received in chunk
        ]


def _tags_json_by_comment(ids: list[str]) -> dict[str, orjson.Fragment]:
    # A chunk's tag rows are ~1 % of the table, but costed with PostgreSQL's default
    # random_page_cost (4, for spinning disks) the planner reads the whole table for them. The
    # table is cached; costed as the in-memory index it is, the lookup runs in a third of the
    # time (23.5 → 8.5 ms per 2,000 comments at 190,000 tag rows, docs/performance-history.md).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(_TAGS_JSON, [ids])
        return {comment_id: orjson.Fragment(tags) for comment_id, tags in cursor.fetchall()}


def _wire_chunks(comments: QuerySet[Any]) -> Iterator[list[dict[str, Any]]]:
    """Rows as plain tuples and their tags in one query per chunk (SQLite, the demo).

    Model instances and Django's per-object prefetch cost ~1 ms a row; tuples and a dict of
    tags by comment stream 100,000 rows in seconds (docs/performance.md).
    """
    rows = comments.prefetch_related(None).values_list(*_COLUMNS).iterator(EXPORT_CHUNK)
    zone = timezone.get_current_timezone()
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        tags = _tags_by_comment([row[0] for row in chunk])
        yield [
            {
                "id": str(pk),
                "texto": text,
                "status": status,
                "categoria": category,
                "confianca": confidence,
                "data_recebimento": received_at.astimezone(zone).isoformat(),
                "tags": tags.get(pk, []),
            }
            for pk, text, status, category, confidence, received_at in chunk
        ]


def _tags_by_comment(ids: list[Any]) -> dict[Any, list[dict[str, str]]]:
    links = (
        CommentTag.objects.filter(comment_id__in=ids)
        .order_by("tag__code")
        .values_list("comment_id", "tag__code", "explanation")
    )
    tags: dict[Any, list[dict[str, str]]] = defaultdict(list)
    for comment_id, code, explanation in links:
        tags[comment_id].append({"codigo": code, "explicacao": explanation})
    return tags

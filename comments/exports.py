"""Streaming JSON of comments (the legacy attachment and the unlimited legacy list), built a
chunk of rows at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from comments.serializers import CommentSerializer

EXPORT_CHUNK = 2000


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


def _json_array(comments: QuerySet[Any], *, prefix: str = "", suffix: str = "") -> Iterator[str]:
    """A JSON array between `prefix` and `suffix`, built a chunk of rows at a time (constant
    memory at 1M rows)."""
    to_wire = CommentSerializer().to_representation
    separator = prefix + "["
    batch: list[str] = []
    for comment in comments.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(separator + json.dumps(to_wire(comment), ensure_ascii=False))
        separator = ","
        if len(batch) == EXPORT_CHUNK:
            yield "".join(batch)
            batch = []
    closing = "]" if separator == "," else separator + "]"
    yield "".join(batch) + closing + suffix

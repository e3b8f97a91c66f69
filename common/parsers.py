"""Request body parsers with limits: a JSON body is bounded in size and nesting depth."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from lib.errors import LimitExceeded, ValidationFailed
from lib.nesting import json_depth_exceeds


def refuse_body_over(request: Request, limit: int) -> None:
    """413 before reading a body whose declared length is over `limit`."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise LimitExceeded(
            _("O corpo da requisição tem %(size)d bytes; o máximo é %(max)d.")
            % {"size": declared, "max": limit}
        )


class BoundedJSONParser(JSONParser):
    """DRF's default parser for every route: a body over the size limit is 413, never buffered,
    and one nested deeper than JSON_MAX_DEPTH (or malformed) is 400, never a RecursionError.

    The size limit is the setting named by `limit_setting` (API_MAX_BODY_BYTES by default; the
    ingestion routes use IngestJSONParser, bounded by INGEST_MAX_BODY_BYTES).
    """

    limit_setting = "API_MAX_BODY_BYTES"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit: int = getattr(settings, self.limit_setting)
        refuse_body_over((parser_context or {})["request"], limit)
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:  # no or a lying Content-Length
            raise LimitExceeded(_("O corpo da requisição excede %(max)d bytes.") % {"max": limit})
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            # The decoder's own words (English, with a position) go in the details only.
            raise ValidationFailed(
                _("JSON malformado: o corpo não pôde ser lido como JSON."),
                details={"motivo": str(exc)[:200]},
            ) from exc
        if json_depth_exceeds(data, settings.JSON_MAX_DEPTH):
            raise ValidationFailed(
                _("O JSON tem mais de %(max)d níveis de listas ou objetos aninhados.")
                % {"max": settings.JSON_MAX_DEPTH}
            )
        return data


class IngestJSONParser(BoundedJSONParser):
    """The ingestion routes' parser: bodies up to INGEST_MAX_BODY_BYTES (10,000 comments)."""

    limit_setting = "INGEST_MAX_BODY_BYTES"

"""Request body parsers with limits: a JSON body is bounded in size before it is read."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from lib.errors import LimitExceeded, ValidationFailed


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
    """JSON bodies of at most INGEST_MAX_BODY_BYTES; a larger body is 413, never buffered."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.INGEST_MAX_BODY_BYTES
        refuse_body_over((parser_context or {})["request"], limit)
        body = stream.read(limit + 1)
        if len(body) > limit:  # no or a lying Content-Length
            raise LimitExceeded(_("O corpo da requisição excede %(max)d bytes.") % {"max": limit})
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            # The decoder's own words (English, with a position) go in the details only.
            raise ValidationFailed(
                _("JSON malformado: o corpo não pôde ser lido como JSON."),
                details={"motivo": str(exc)},
            ) from exc

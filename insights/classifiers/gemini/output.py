"""What goes to Gemini and what comes back: the data payload, the response schema, the parser.

The model's answer is untrusted text (it may be cut off, malformed, or echo a comment that tries
to inject output). This module only parses it into `Classification`s keyed by the ids we sent,
each answered once; whether a label, a confidence or a tag is acceptable is decided by the one
validator, `insights.pipeline.validation`, for every backend alike.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from insights.domain import (
    CATEGORIES,
    Classification,
    ClassificationFailure,
    CommentInput,
    TagResult,
)

logger = logging.getLogger(__name__)

# Output budget per comment: id (~20 tokens), label, confidence and up to three explained tags.
OUTPUT_TOKENS_PER_COMMENT = 200
OUTPUT_TOKENS_OVERHEAD = 256

# OpenAPI-style schema (GenerateContentConfig.response_schema), served on v1beta.
RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "ARRAY",
    "items": {
        "type": "OBJECT",
        "properties": {
            "id": {"type": "STRING"},
            "categoria": {"type": "STRING", "format": "enum", "enum": list(CATEGORIES)},
            "confianca": {"type": "NUMBER", "minimum": 0, "maximum": 1},
            "tags": {
                "type": "ARRAY",
                "items": {
                    "type": "OBJECT",
                    "properties": {
                        "codigo": {"type": "STRING"},
                        "explicacao": {"type": "STRING"},
                    },
                    "required": ["codigo", "explicacao"],
                    "propertyOrdering": ["codigo", "explicacao"],
                },
            },
        },
        "required": ["id", "categoria", "confianca", "tags"],
        "propertyOrdering": ["id", "categoria", "confianca", "tags"],
    },
}


class InvalidOutput(Exception):
    """The answer as a whole is unusable (not JSON, not an array): retry the call."""


@dataclass
class ParsedOutput:
    """A validated answer: results and per-comment failures; ids never answered are absent."""

    classifications: list[Classification] = field(default_factory=list)
    failures: list[ClassificationFailure] = field(default_factory=list)
    missing_ids: list[str] = field(default_factory=list)
    extra_ids: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.failures or self.missing_ids or self.extra_ids)


def request_payload(items: Sequence[CommentInput]) -> str:
    """The comments as a JSON data array, the only place their text ever goes."""
    return json.dumps([{"id": item.id, "texto": item.text} for item in items], ensure_ascii=False)


def output_token_budget(count: int) -> int:
    """`max_output_tokens` for a request of `count` comments."""
    return OUTPUT_TOKENS_OVERHEAD + OUTPUT_TOKENS_PER_COMMENT * count


def output_parse(
    text: str | None, items: Sequence[CommentInput], *, model: str, prompt_version: str
) -> ParsedOutput:
    """Parse the raw answer against the sent `items`; InvalidOutput if it is not usable."""
    entries = _entries(text)
    sent = {item.id for item in items}
    by_id = _entries_by_sent_id(entries, sent)
    parsed = ParsedOutput()
    parsed.extra_ids = sorted({str(e["id"]) for e in entries if e.get("id") is not None} - sent)
    if parsed.extra_ids:
        logger.warning("Gemini answered %d ids it was not sent; ignored", len(parsed.extra_ids))
    for item in items:
        entry = by_id.get(item.id)
        if entry is None:
            parsed.missing_ids.append(item.id)
        elif isinstance(entry, ClassificationFailure):
            parsed.failures.append(entry)
        else:
            _add_entry(parsed, item.id, entry, model=model, prompt_version=prompt_version)
    return parsed


def _entries(text: str | None) -> list[dict[str, Any]]:
    if not text:
        raise InvalidOutput(_("resposta vazia do Gemini"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidOutput(_("resposta do Gemini não é JSON válido: %s") % error) from error
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # tolerated wrapper; the schema asks for a bare array
    if not isinstance(data, list):
        raise InvalidOutput(_("resposta do Gemini não é um array JSON"))
    return [entry for entry in data if isinstance(entry, dict)]


def _entries_by_sent_id(
    entries: list[dict[str, Any]], sent: set[str]
) -> dict[str, dict[str, Any] | ClassificationFailure]:
    """One entry per sent id. An id answered twice is ambiguous (one may be injected): a failure."""
    counts = Counter(str(entry.get("id")) for entry in entries)
    by_id: dict[str, dict[str, Any] | ClassificationFailure] = {}
    for entry in entries:
        comment_id = str(entry.get("id"))
        if comment_id not in sent:
            continue
        if counts[comment_id] > 1:
            reason = _("o Gemini respondeu mais de uma vez para o mesmo comentário")
            by_id[comment_id] = ClassificationFailure(id=comment_id, reason=reason)
        else:
            by_id[comment_id] = entry
    return by_id


def _add_entry(
    parsed: ParsedOutput, comment_id: str, entry: dict[str, Any], *, model: str, prompt_version: str
) -> None:
    parsed.classifications.append(
        Classification(
            id=comment_id,
            category=str(entry.get("categoria")),
            confidence=_number(entry.get("confianca")),
            tags=_tags(entry.get("tags")),
            backend="gemini",
            model=model,
            prompt_version=prompt_version,
        )
    )


def _number(raw: object) -> float:
    """A JSON number as float; anything else as NaN, which the validator refuses."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return math.nan
    return float(raw)


def _tags(raw: object) -> tuple[TagResult, ...]:
    """Every object-shaped tag as sent; codes and explanations are checked by the validator."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        TagResult(code=str(entry.get("codigo", "")), explanation=str(entry.get("explicacao") or ""))
        for entry in raw
        if isinstance(entry, dict)
    )

"""Check a backend's answer against what was sent before anything is stored (pure, no DB).

A backend, above all an LLM, may answer ids it was never sent, skip some, invent a label or a
confidence of 7. Every such answer becomes a per-comment problem (retried or failed by the
pipeline) and is never written. This is the only validator: the backends parse, this module
decides, with limits taken from the model fields the results are stored in. The evaluation
command reuses it as is.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from comments.choices import Category
from comments.models import CommentTag, Tag
from insights.domain import (
    BatchResult,
    Classification,
    CommentInput,
    TagResult,
)
from lib.text import fold_accents

logger = logging.getLogger(__name__)

# The prompt asks for at most three; a few more are tolerated, a flood is cut.
MAX_TAGS_PER_COMMENT = 5
MAX_TAG_CODE_LENGTH: int = Tag._meta.get_field("code").max_length  # type: ignore[assignment]
MAX_EXPLANATION_LENGTH: int = CommentTag._meta.get_field("explanation").max_length  # type: ignore[assignment]
_SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
_NOT_CODE_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Problem:
    """Why one comment's answer cannot be stored, and whether another attempt may help."""

    id: str
    reason: str
    retryable: bool
    transient: bool = False


@dataclass(frozen=True)
class ValidatedBatch:
    """Classifications safe to store, per-comment problems, and ids nobody asked about."""

    accepted: list[Classification] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)


def validate_batch(items: Sequence[CommentInput], result: BatchResult) -> ValidatedBatch:
    """Split `result` into valid classifications and problems; every sent id ends in one."""
    sent = {item.id for item in items}
    outcome = ValidatedBatch()
    decided: set[str] = set()
    for classification in result.classifications:
        _take_classification(classification, sent, decided, outcome)
    for failure in result.failures:
        if failure.id not in sent:
            outcome.unknown_ids.append(failure.id)
        elif failure.id not in decided:
            decided.add(failure.id)
            outcome.problems.append(
                Problem(failure.id, failure.reason, failure.retryable, failure.transient)
            )
    for item in items:
        if item.id not in decided:
            decided.add(item.id)
            reason = _("O classificador não devolveu resultado para este comentário.")
            outcome.problems.append(Problem(item.id, reason, retryable=True))
    if outcome.unknown_ids:
        logger.warning("Backend answered %d unknown ids; ignored", len(outcome.unknown_ids))
    return outcome


def _take_classification(
    classification: Classification, sent: set[str], decided: set[str], outcome: ValidatedBatch
) -> None:
    if classification.id not in sent:
        outcome.unknown_ids.append(classification.id)
        return
    if classification.id in decided:
        # A second answer for the same id: the first one stands, the rest are ignored.
        logger.warning("Backend answered id %s more than once; kept the first", classification.id)
        return
    decided.add(classification.id)
    reason = classification_problem(classification)
    if reason:
        outcome.problems.append(Problem(classification.id, reason, retryable=True))
        return
    outcome.accepted.append(_with_clean_tags(classification))


def classification_problem(classification: Classification) -> str:
    """The pt-BR reason a classification is unusable, or "" when its label and numbers are valid."""
    if classification.category not in Category.values:
        return _("Categoria inválida devolvida pelo classificador: %(categoria)r.") % {
            "categoria": str(classification.category)[:40]
        }
    if not is_probability(classification.confidence):
        return _("Confiança fora do intervalo 0..1: %(valor)r.") % {
            "valor": classification.confidence
        }
    if classification.margin is not None and not is_probability(classification.margin):
        return _("Margem fora do intervalo 0..1: %(valor)r.") % {"valor": classification.margin}
    return ""


def is_probability(value: object) -> bool:
    """A finite number in [0, 1] (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0.0 <= value <= 1.0


def normalise_tag_code(code: str) -> str:
    """`'Qualidade do Áudio'` -> `'qualidade_do_audio'`; "" when nothing usable is left."""
    folded = _NOT_CODE_CHARS.sub("_", fold_accents(str(code))).strip("_")
    return folded if _SNAKE_CASE.match(folded) and len(folded) <= MAX_TAG_CODE_LENGTH else ""


def _with_clean_tags(classification: Classification) -> Classification:
    """Drop tags that cannot be stored (bad code, no explanation, repeats) and cap their number."""
    tags: list[TagResult] = []
    seen: set[str] = set()
    for tag in classification.tags:
        code = normalise_tag_code(tag.code)
        explanation = " ".join(str(tag.explanation or "").split())[:MAX_EXPLANATION_LENGTH]
        if not code or not explanation or code in seen:
            logger.info("Dropped tag %r of comment %s", tag.code, classification.id)
            continue
        seen.add(code)
        tags.append(TagResult(code=code, explanation=explanation))
    if len(tags) > MAX_TAGS_PER_COMMENT:
        logger.info("Comment %s had %d tags; kept the first", classification.id, len(tags))
    tags = tags[:MAX_TAGS_PER_COMMENT]
    if tuple(tags) == classification.tags:
        return classification
    return replace(classification, tags=tuple(tags))

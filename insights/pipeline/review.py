"""Review rules: which automatic results go to the curators' review queue (DESIGN §4.5).

On the Gemini path a second opinion from the local model (cheap, and deaf to instructions in
the text) guards against a model that obeyed a comment (issue 11): a disagreement, or a text
holding instructions to the classifier, sends the comment to review; in the latter case the
confidence is taken from the local model, since the LLM's own may have been dictated by the text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings

from insights.domain import Classification
from insights.pipeline.injection import instructions_detected


@dataclass(frozen=True)
class Reviewed:
    """A classification ready to store (its confidence possibly replaced) and its review flag."""

    classification: Classification
    needs_review: bool


def review_needed(classification: Classification) -> bool:
    """Low confidence, or the two most likely labels too close to call (DESIGN §4.5)."""
    if classification.confidence < settings.REVIEW_CONFIDENCE_BELOW:
        return True
    margin = classification.margin
    return margin is not None and margin < settings.REVIEW_MARGIN_BELOW


def classification_review(
    classification: Classification, *, text: str, second_opinion: Classification | None = None
) -> Reviewed:
    """The review verdict for one result; `second_opinion` is the local model's, if asked."""
    injected = instructions_detected(text)
    if injected and second_opinion is not None:
        classification = replace(
            classification, confidence=_trusted_confidence(classification, second_opinion)
        )
    disagrees = second_opinion is not None and second_opinion.category != classification.category
    flagged = injected or disagrees or review_needed(classification)
    return Reviewed(classification=classification, needs_review=flagged)


def _trusted_confidence(classification: Classification, local: Classification) -> float:
    """The local model's probability of the chosen label, whatever the LLM (or the text) said.

    When the local model chose another label, what it leaves for all other labels together
    (1 - its confidence) is the most this one can have.
    """
    if local.category == classification.category:
        return local.confidence
    return max(0.0, 1.0 - local.confidence)

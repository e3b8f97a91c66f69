"""Review rules: which automatic results go to the curators' review queue (DESIGN §4.5)."""

from __future__ import annotations

from django.conf import settings

from insights.domain import Classification


def review_needed(classification: Classification) -> bool:
    """Low confidence, or the two most likely labels too close to call (DESIGN §4.5)."""
    if classification.confidence < settings.REVIEW_CONFIDENCE_BELOW:
        return True
    margin = classification.margin
    return margin is not None and margin < settings.REVIEW_MARGIN_BELOW

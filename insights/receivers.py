"""Signal receivers: react to `comments` events by enqueueing work, nothing more."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from comments.signals import classification_requested, comments_ingested
from insights.pipeline.enqueue import classification_enqueue

logger = logging.getLogger(__name__)


@receiver(comments_ingested, dispatch_uid="insights.enqueue_classification")
def enqueue_classification(sender: Any, comment_ids: list[str], **kwargs: Any) -> None:
    classification_enqueue(comment_ids=comment_ids)


@receiver(classification_requested, dispatch_uid="insights.enqueue_reclassification")
def enqueue_reclassification(sender: Any, comment_ids: list[str], **kwargs: Any) -> None:
    classification_enqueue(comment_ids=comment_ids)

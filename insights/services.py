"""Classification pipeline services: enqueue, claim, classify, store, retry, sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings

logger = logging.getLogger(__name__)


def classification_enqueue(*, comment_ids: Sequence[str]) -> int:
    """Enqueue `classify_batch` tasks of at most CLASSIFY_BATCH_SIZE ids; return the task count.

    A broker outage is logged, not raised: the comments are already committed as PENDENTE and
    the sweeper re-enqueues them later (DESIGN §4.3).
    """
    from .tasks import classify_batch

    size = settings.CLASSIFY_BATCH_SIZE
    batches = [list(map(str, comment_ids[i : i + size])) for i in range(0, len(comment_ids), size)]
    for sent, batch in enumerate(batches):
        try:
            classify_batch.apply_async(args=[batch])
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.exception("Could not enqueue %d classification batches", len(batches) - sent)
            return sent
    return len(batches)

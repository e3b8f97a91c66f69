"""Signals `comments` sends so higher apps can react without `comments` importing them."""

from django.dispatch import Signal

# Sent after the ingestion transaction commits, with `comment_ids: list[str]`.
# `insights` listens and enqueues classification in batches.
comments_ingested = Signal()

# Sent after a curator's reclassify or retry commits, with `comment_ids: list[str]` now PENDENTE.
# `insights` listens and enqueues them like freshly ingested comments.
classification_requested = Signal()

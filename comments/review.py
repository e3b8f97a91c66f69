"""Curators' corrections: the one service that records a human answer on a comment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Category, Comment, CommentTag, Status
from comments.search import search_documents_write
from comments.tags import tags_resolve
from lib.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

HUMAN_EXPLANATION = "definida pela curadoria"


def comment_review(
    *,
    comment_id: str,
    reviewer: User,
    category: str | None = None,
    tag_codes: Sequence[str] | None = None,
) -> Comment:
    """Record `reviewer`'s answer: the comment leaves the queue, and what they set is human-set.

    A category or tag list given here is marked as set by a human, which the pipeline's store
    never overwrites (DESIGN §3). Without either, the review accepts the model's suggestion.
    """
    if category is not None and category not in Category.values:
        raise ValidationFailed(_("Categoria inválida: %s.") % category)
    tag_ids = tags_resolve(codes=tag_codes) if tag_codes is not None else None
    with transaction.atomic():
        comment = _locked(comment_id)
        if category is not None:
            _set_category(comment, category)
        if tag_ids is not None:
            _replace_tags(comment, tag_ids)
            comment.tags_set_by_human = True
        comment.reviewed_by = reviewer
        comment.reviewed_at = timezone.now()
        comment.needs_review = False
        comment.save()
    return comment


def _locked(comment_id: str) -> Comment:
    try:
        key = uuid.UUID(str(comment_id))
    except ValueError as exc:
        raise NotFound(_("Comentário não encontrado.")) from exc
    comment = Comment.objects.select_for_update().filter(pk=key).first()
    if comment is None:
        raise NotFound(_("Comentário não encontrado."))
    return comment


def _set_category(comment: Comment, category: str) -> None:
    comment.category = category
    comment.category_set_by_human = True
    # A human answer finishes a comment that waited or failed; one being classified right now
    # stays PROCESSANDO and its worker keeps the human category when it writes.
    if comment.status in (Status.PENDING, Status.FAILED):
        # A waiting comment finished here was never claimed, so no worker indexed it.
        search_documents_write(comment_ids=[comment.pk])
        comment.status = Status.DONE


def _replace_tags(comment: Comment, tag_ids: Sequence[int]) -> None:
    kept = set(
        CommentTag.objects.filter(comment=comment, tag_id__in=tag_ids).values_list(
            "tag_id", flat=True
        )
    )
    CommentTag.objects.filter(comment=comment).exclude(tag_id__in=tag_ids).delete()
    CommentTag.objects.bulk_create(
        CommentTag(comment=comment, tag_id=tag_id, explanation=HUMAN_EXPLANATION)
        for tag_id in dict.fromkeys(tag_ids)
        if tag_id not in kept
    )

"""Reads of comments: who sees what, and the filtered lists the API shows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lib.errors import NotFound, ValidationFailed

from .filters import CommentFilter
from .models import Comment, CommentTag

if TYPE_CHECKING:
    from accounts.models import User


def comments_visible_to(user: User) -> QuerySet[Comment]:
    """Curators and staff see every comment; an API client sees only the ones it submitted."""
    queryset = Comment.objects.all()
    if not user.is_curator:
        queryset = queryset.filter(submitted_by=user)
    return queryset


def comments_with_tags(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    """Fetch each comment's tags (code and explanation) in one extra query per page or chunk."""
    tags = CommentTag.objects.select_related("tag").order_by("tag__code")
    return queryset.prefetch_related(Prefetch("comment_tags", queryset=tags))


def comments_reviewed_gold() -> QuerySet[Comment]:
    """Comments whose category a curator set: the gold data for evaluation and retraining."""
    return comments_with_tags(
        Comment.objects.filter(category_set_by_human=True, category__isnull=False)
    ).order_by("reviewed_at", "id")


def comments_filtered(*, user: User, filters: Mapping[str, Any]) -> QuerySet[Comment]:
    """The comments `user` may see that match `filters` (query parameters), newest first.

    Raises ValidationFailed naming the parameters with invalid values.
    """
    filterset = CommentFilter(data=filters, queryset=comments_visible_to(user))
    if not filterset.is_valid():
        raise ValidationFailed(
            _("Parâmetros de filtro inválidos."),
            details={field: list(messages) for field, messages in filterset.errors.items()},
        )
    return comments_with_tags(filterset.qs).order_by("-received_at", "-id")


def comment_get_visible(*, user: User, comment_id: str) -> Comment:
    """The comment `comment_id` if `user` may see it; NotFound otherwise (also for bad ids)."""
    try:
        key = uuid.UUID(comment_id)
    except ValueError as exc:
        raise NotFound(_("Comentário não encontrado.")) from exc
    comment = comments_with_tags(comments_visible_to(user)).filter(pk=key).first()
    if comment is None:
        raise NotFound(_("Comentário não encontrado."))
    return comment


def comments_review_queue() -> QuerySet[Comment]:
    """Comments waiting for a curator, lowest confidence first (the partial index's order)."""
    return Comment.objects.filter(needs_review=True).order_by("confidence", "id")


def comment_review_next(*, after: Comment | None = None) -> Comment | None:
    """The next comment of the review queue (after `after` in queue order, or the first)."""
    queue = comments_review_queue()
    if after is not None:
        queue = queue.exclude(pk=after.pk)
        if after.confidence is not None:
            later = Q(confidence=after.confidence, id__gt=after.pk)
            queue = queue.filter(later | Q(confidence__gt=after.confidence))
    return queue.first()

"""Curator review of one comment: the label and tags a person confirms become gold data.

A minimal service for the retraining loop (issue 10); the curators' workbench (issue 8) owns the
full review flow and replaces this module at merge, keeping the signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.choices import Category
from comments.models import Comment, CommentTag, Tag
from lib.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def comment_review(
    *,
    comment_id: str,
    reviewer: User,
    category: str | None = None,
    tag_codes: Sequence[str] | None = None,
) -> Comment:
    """Mark the comment reviewed by `reviewer`, setting its category and/or tags when given.

    A category given here is a human decision: the pipeline never overwrites it again, and the
    comment becomes gold data for evaluation and retraining.
    """
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None:
        raise NotFound(_("Comentário não encontrado."))
    if category is not None:
        if category not in Category.values:
            raise ValidationFailed(_("Categoria inválida: %s") % category)
        comment.category = category
        comment.category_set_by_human = True
    if tag_codes is not None:
        _set_tags(comment, tag_codes)
    comment.reviewed_by = reviewer
    comment.reviewed_at = timezone.now()
    comment.needs_review = False
    comment.save()
    return comment


def _set_tags(comment: Comment, tag_codes: Sequence[str]) -> None:
    tags = list(Tag.objects.filter(code__in=set(tag_codes)))
    unknown = set(tag_codes) - {tag.code for tag in tags}
    if unknown:
        raise ValidationFailed(_("Tags desconhecidas: %s") % ", ".join(sorted(unknown)))
    CommentTag.objects.filter(comment=comment).delete()
    explanation = _("definida por curador")
    CommentTag.objects.bulk_create(
        [CommentTag(comment=comment, tag=tag, explanation=explanation) for tag in tags]
    )
    comment.tags_set_by_human = True

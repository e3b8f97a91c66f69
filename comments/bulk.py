"""Bulk curation: what the comment list's actions do to a selection or a whole filter result.

Every service takes a queryset (the rows ticked, or everything the filters match), works in
bounded chunks of ids or in one UPDATE, and returns how many comments changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Category, Comment, CommentTag, Status, Tag
from comments.search import search_documents_write
from comments.signals import classification_requested
from comments.tags import tag_canonical_ids
from lib.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

CHUNK = 5_000


def _id_chunks(queryset: QuerySet[Comment]) -> Iterator[list[str]]:
    """The queryset's ids in keyset pages: bounded memory however many rows it matches."""
    ids = queryset.order_by("id").values_list("id", flat=True)
    last = None
    while True:
        page = list((ids.filter(id__gt=last) if last else ids)[:CHUNK])
        if not page:
            return
        yield [str(pk) for pk in page]
        last = page[-1]


def _requeue(queryset: QuerySet[Comment]) -> int:
    total = 0
    for chunk in _id_chunks(queryset):
        with transaction.atomic():
            changed = list(
                Comment.objects.filter(id__in=chunk)
                .exclude(status=Status.PROCESSING)
                .values_list("id", flat=True)
            )
            Comment.objects.filter(id__in=changed).update(
                status=Status.PENDING,
                attempts=0,
                last_error="",
                claimed_at=None,
                enqueued_at=timezone.now(),
            )
            ids = [str(pk) for pk in changed]
            transaction.on_commit(partial(_announce, ids))
        total += len(changed)
    return total


def _announce(ids: list[str]) -> None:
    classification_requested.send(sender=Comment, comment_ids=ids)


def comments_reclassify(*, queryset: QuerySet[Comment]) -> int:
    """Send comments back to the classifier; a human-set category or tag list stays as it is.

    Comments being classified right now are skipped (their worker owns them).
    """
    return _requeue(queryset)


def comments_retry_failed(*, queryset: QuerySet[Comment]) -> int:
    """Give the FALHOU comments among `queryset` a fresh start (attempts reset) and enqueue them."""
    return _requeue(queryset.filter(status=Status.FAILED))


def comments_set_category(*, queryset: QuerySet[Comment], category: str, reviewer: User) -> int:
    """Set a curator's category on every comment: human-set, reviewed, out of the queue."""
    if category not in Category.values:
        raise ValidationFailed(_("Categoria inválida: %s.") % category)
    now = timezone.now()
    total = 0
    for chunk in _id_chunks(queryset):
        rows = Comment.objects.filter(id__in=chunk)
        total += rows.update(
            category=category,
            category_set_by_human=True,
            needs_review=False,
            reviewed_by=reviewer,
            reviewed_at=now,
        )
        # Waiting or failed comments are finished by the human answer; a waiting one was
        # never claimed by a worker, so it gets its search document here.
        search_documents_write(comment_ids=chunk)
        rows.filter(status__in=[Status.PENDING, Status.FAILED]).update(status=Status.DONE)
    return total


def comments_mark_spam(*, queryset: QuerySet[Comment], reviewer: User) -> int:
    """Mark comments as SPAM, as a curator's answer."""
    return comments_set_category(queryset=queryset, category=Category.SPAM, reviewer=reviewer)


def comments_mark_reviewed(*, queryset: QuerySet[Comment], reviewer: User) -> int:
    """Accept the model's answer on the comments waiting for review; returns how many left it."""
    pending = queryset.filter(needs_review=True)
    total = 0
    for chunk in _id_chunks(pending):
        total += Comment.objects.filter(id__in=chunk).update(
            needs_review=False, reviewed_by=reviewer, reviewed_at=timezone.now()
        )
    return total


def comments_tag_add(*, queryset: QuerySet[Comment], tag_id: int) -> int:
    """Put the (canonical) tag on every comment that lacks it; those tags become human-set."""
    target = tag_canonical_ids({_existing(tag_id)})[tag_id]
    total = 0
    for chunk in _id_chunks(queryset):
        had = CommentTag.objects.filter(comment_id__in=chunk, tag_id=target).count()
        links = [CommentTag(comment_id=pk, tag_id=target, explanation="") for pk in chunk]
        CommentTag.objects.bulk_create(links, ignore_conflicts=True)
        Comment.objects.filter(id__in=chunk).update(tags_set_by_human=True)
        total += len(chunk) - had
    return total


def comments_tag_remove(*, queryset: QuerySet[Comment], tag_id: int) -> int:
    """Take the tag off every comment that has it; those comments' tags become human-set."""
    _existing(tag_id)
    total = 0
    for chunk in _id_chunks(queryset.filter(comment_tags__tag_id=tag_id)):
        total += CommentTag.objects.filter(comment_id__in=chunk, tag_id=tag_id).delete()[0]
        Comment.objects.filter(id__in=chunk).update(tags_set_by_human=True)
    return total


def _existing(tag_id: int) -> int:
    if not Tag.objects.filter(pk=tag_id).exists():
        raise NotFound(_("Tag não encontrada."))
    return tag_id

"""Tag services: resolve codes to canonical tags, rename a tag, merge tags into a canonical one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from comments.models import CommentTag, Tag
from common.db import is_postgres
from lib.errors import Conflict, NotFound, ValidationFailed

_MAX_MERGE_HOPS = 10
_COMMENT_TAG = CommentTag._meta.db_table


def tags_resolve(*, codes: Iterable[str]) -> list[int]:
    """Ids of the canonical tags behind `codes` (aliases followed), in the order given.

    Raises ValidationFailed naming codes that are no tag.
    """
    codes = [code.strip() for code in codes if code and code.strip()]
    found = dict(Tag.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationFailed(_("Tags desconhecidas: %s.") % ", ".join(unknown))
    canonical = tag_canonical_ids(set(found.values()))
    return list(dict.fromkeys(canonical[found[code]] for code in codes))


def tag_canonical_ids(tag_ids: set[int]) -> dict[int, int]:
    """{tag id: the tag it ends up merged into, itself when it is canonical}."""
    target: dict[int, int | None] = {}
    frontier = set(tag_ids)
    for _hop in range(_MAX_MERGE_HOPS):
        target |= dict(Tag.objects.filter(id__in=frontier).values_list("id", "merged_into_id"))
        frontier = {t for t in target.values() if t is not None} - target.keys()
        if not frontier:
            break
    result = {}
    for tag_id in tag_ids:
        current, seen = tag_id, {tag_id}
        while (nxt := target.get(current)) is not None and nxt not in seen:
            seen.add(nxt)
            current = nxt
        result[tag_id] = current
    return result


def tag_rename(*, tag_id: int, code: str, description: str | None = None) -> Tag:
    """Give a tag a new code (and description); codes stay unique and snake_case."""
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(_("Tag não encontrada."))
    code = code.strip()
    if Tag.objects.filter(code=code).exclude(pk=tag_id).exists():
        raise Conflict(_("Já existe uma tag com o código %s.") % code)
    tag.code = code
    if description is not None:
        tag.description = description
    tag.full_clean(exclude=["merged_into"])
    tag.save()
    return tag


@dataclass(frozen=True)
class MergeResult:
    target: Tag
    merged: int  # tags that became aliases
    links_moved: int  # comment tags now pointing at the target


def tag_merge(*, source_ids: Sequence[int], target_id: int) -> MergeResult:
    """Make every source tag an alias of `target_id` and move their comments' tags onto it.

    The backfill is SQL (no rows through Python); aliases are kept, so a code the classifier
    produces later still lands on the canonical tag (insights.pipeline.store follows them).
    """
    target = Tag.objects.filter(pk=target_id).first()
    if target is None:
        raise NotFound(_("Tag de destino não encontrada."))
    if target.merged_into_id is not None:
        raise ValidationFailed(
            _("A tag de destino já foi mesclada em outra; escolha uma canônica.")
        )
    sources = [pk for pk in dict.fromkeys(source_ids) if pk != target_id]
    if not sources:
        raise ValidationFailed(_("Escolha ao menos uma tag diferente da de destino."))
    with transaction.atomic():
        moved = _move_links(sources, target_id)
        merged = Tag.objects.filter(pk__in=sources).update(merged_into=target_id)
        # Aliases of the sources now point straight at the target: one hop for the pipeline.
        Tag.objects.filter(merged_into__in=sources).update(merged_into=target_id)
    return MergeResult(target, merged, moved)


def _move_links(sources: list[int], target_id: int) -> int:
    if is_postgres():
        sql = f"""
            INSERT INTO {_COMMENT_TAG} (comment_id, tag_id, explanation)
            SELECT DISTINCT ON (comment_id) comment_id, %s, explanation
            FROM {_COMMENT_TAG} WHERE tag_id = ANY(%s)
            ORDER BY comment_id, id
            ON CONFLICT (comment_id, tag_id) DO NOTHING
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [target_id, sources])
            moved = cursor.rowcount
    else:
        links = CommentTag.objects.filter(tag_id__in=sources).values_list(
            "comment_id", "explanation"
        )
        new = [CommentTag(comment_id=c, tag_id=target_id, explanation=e) for c, e in links]
        moved = len(CommentTag.objects.bulk_create(new, ignore_conflicts=True))
    CommentTag.objects.filter(tag_id__in=sources).delete()
    return moved

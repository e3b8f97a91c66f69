"""The pipeline's bulk SQL: claim comments, write results and tags, release or fail claims.

Every write after the claim is conditional on the row still being `PROCESSANDO` with the
claim's timestamp (the claim token), so a worker whose claim expired and was handed to another
worker cannot overwrite the newer result. PostgreSQL gets single statements (`SKIP LOCKED`,
`UPDATE … FROM (VALUES …)`); other databases (the SQLite demo) a portable ORM path.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, Greatest

from comments.models import Comment, CommentTag, FailureKind, Status, Tag, TagOrigin
from comments.search import documents_insert_sql
from comments.tags import tag_canonical_ids
from common.db import is_postgres
from common.redaction import redact
from insights.domain import Classification

logger = logging.getLogger(__name__)

WRITE_CHUNK = 1_000
_COMMENT = Comment._meta.db_table
_COMMENT_TAG = CommentTag._meta.db_table


@dataclass(frozen=True)
class ClaimedComment:
    id: str
    text: str
    attempts: int
    # When the current run of transient failures began (None: the last attempt was not one).
    retrying_since: datetime | None = None


def as_uuids(ids: Iterable[object]) -> list[uuid.UUID]:
    """Parse ids, dropping (and logging) anything that is not a UUID."""
    parsed = []
    for value in ids:
        try:
            parsed.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            logger.warning("Ignored invalid comment id %r", value)
    return parsed


def claim(ids: Sequence[uuid.UUID], token: datetime) -> list[ClaimedComment]:
    """Move the still-PENDENTE comments among `ids` to PROCESSANDO (attempts + 1); return them."""
    if not ids:
        return []
    rows = _claim_postgres(ids, token) if is_postgres() else _claim_portable(ids, token)
    return [ClaimedComment(str(pk), *fields) for pk, *fields in rows]


def _claim_postgres(ids: Sequence[uuid.UUID], token: datetime) -> list[tuple]:
    # Rows another worker holds are skipped, not waited for: that worker owns them.
    # The claimed comments get their search document in the same statement (so the same
    # transaction). The claim, not the result, because every comment that leaves PENDENTE
    # through the pipeline is claimed first, whatever comes next — CONCLUIDO, FALHOU, a retry,
    # any backend (local or Gemini) —, while storing results happens for CONCLUIDO only. A
    # re-claim (a retry, a reclassification) keeps the document it finds (ON CONFLICT).
    sql = f"""
        WITH claimable AS (
            SELECT id FROM {_COMMENT}
            WHERE id = ANY(%s) AND status = %s
            ORDER BY id
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE {_COMMENT} AS c
            SET status = %s, claimed_at = %s, attempts = c.attempts + 1
            FROM claimable WHERE c.id = claimable.id
            RETURNING c.id, c.text, c.attempts, c.retrying_since
        ), indexed AS (
            {documents_insert_sql("claimed")}
        )
        SELECT id, text, attempts, retrying_since FROM claimed
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), Status.PENDING, Status.PROCESSING, token])
        return cursor.fetchall()


def _claim_portable(ids: Sequence[uuid.UUID], token: datetime) -> list[tuple]:
    # One conditional UPDATE is atomic on any database; the token then finds our rows.
    Comment.objects.filter(id__in=ids, status=Status.PENDING).update(
        status=Status.PROCESSING, claimed_at=token, attempts=F("attempts") + 1
    )
    mine = Comment.objects.filter(id__in=ids, status=Status.PROCESSING, claimed_at=token)
    return list(mine.values_list("id", "text", "attempts", "retrying_since"))


@dataclass(frozen=True)
class ResultRow:
    """A validated classification plus the review flag the pipeline computed for it."""

    classification: Classification
    needs_review: bool


def write_results(rows: Sequence[ResultRow], token: datetime, now: datetime) -> list[str]:
    """Store results and tags for rows still claimed by `token`; return the ids written."""
    written: list[str] = []
    with transaction.atomic():
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = rows[start : start + WRITE_CHUNK]
            if is_postgres():
                stored = _write_postgres(chunk, token, now)
            else:
                stored = _write_portable(chunk, token, now)
            written += [pk for pk, _tags_human in stored]
            by_id = {row.classification.id: row.classification for row in chunk}
            _replace_tags([by_id[pk] for pk, tags_human in stored if not tags_human])
    return written


# A human-set category keeps its category, confidence, margin and review flag.
_KEEP_IF_HUMAN = (
    "CASE WHEN c.category_set_by_human AND c.category IS NOT NULL THEN c.{0} ELSE v.{0} END"
)


def _write_postgres(
    chunk: Sequence[ResultRow], token: datetime, now: datetime
) -> list[tuple[str, bool]]:
    # One array per column, not 8 placeholders a row: psycopg parsed a 4,000-placeholder
    # statement anew for every batch, which cost more than the UPDATE itself.
    columns: list[list[Any]] = [[] for _ in range(8)]
    for row in chunk:
        c = row.classification
        values = (c.id, c.category, c.confidence, c.margin, row.needs_review, c.backend[:20],
                  c.model[:100], c.prompt_version[:50])  # fmt: skip
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    kept = {name: _KEEP_IF_HUMAN.format(name) for name in ("category", "confidence", "margin")}
    sql = f"""
        UPDATE {_COMMENT} AS c SET
            category = {kept["category"]}, confidence = {kept["confidence"]},
            margin = {kept["margin"]}, needs_review = {_KEEP_IF_HUMAN.format("needs_review")},
            status = %s, classified_at = %s, claimed_at = NULL, last_error = '',
            failure_kind = '', retrying_since = NULL,
            classifier_backend = v.backend, classifier_model = v.model,
            prompt_version = v.prompt_version
        FROM unnest(%s::uuid[], %s::text[], %s::double precision[], %s::double precision[],
                    %s::boolean[], %s::text[], %s::text[], %s::text[])
            AS v(id, category, confidence, margin, needs_review, backend, model, prompt_version)
        WHERE c.id = v.id AND c.status = %s AND c.claimed_at = %s
        RETURNING c.id::text, c.tags_set_by_human
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [Status.DONE, now, *columns, Status.PROCESSING, token])
        return cursor.fetchall()


def _write_portable(
    chunk: Sequence[ResultRow], token: datetime, now: datetime
) -> list[tuple[str, bool]]:
    ids = as_uuids(row.classification.id for row in chunk)
    current = {
        str(pk): (human, tags_human)
        for pk, human, tags_human in Comment.objects.filter(
            id__in=ids, status=Status.PROCESSING, claimed_at=token
        ).values_list("id", "category_set_by_human", "tags_set_by_human")
    }
    updates = []
    for row in chunk:
        c = row.classification
        if c.id not in current:
            continue
        fields = {"status": Status.DONE, "classified_at": now, "claimed_at": None}
        fields |= {"last_error": "", "failure_kind": "", "retrying_since": None}
        fields |= {"classifier_backend": c.backend[:20]}
        fields |= {"classifier_model": c.model[:100], "prompt_version": c.prompt_version[:50]}
        if not current[c.id][0]:
            fields |= {"category": c.category, "confidence": c.confidence, "margin": c.margin}
            fields["needs_review"] = row.needs_review
        Comment.objects.filter(id=c.id).update(**fields)
        updates.append((c.id, current[c.id][1]))
    return updates


def _replace_tags(classifications: Sequence[Classification]) -> None:
    """Swap the automatic tags of these comments for the new ones, mapped to canonical tags."""
    if not classifications:
        return
    _delete_tags([c.id for c in classifications])
    explanations = {t.code: t.explanation for c in classifications for t in c.tags}
    tag_ids = canonical_tag_ids(explanations)
    links: dict[tuple[str, int], CommentTag] = {}
    for c in classifications:
        for tag in c.tags:
            key = (c.id, tag_ids[tag.code])
            # Two codes merged into one canonical tag: the first explanation stands.
            links.setdefault(
                key, CommentTag(comment_id=c.id, tag_id=key[1], explanation=tag.explanation)
            )
    if is_postgres():
        _insert_links_postgres(list(links.values()))
    else:
        CommentTag.objects.bulk_create(links.values(), batch_size=WRITE_CHUNK)


def _delete_tags(comment_ids: list[str]) -> None:
    if not is_postgres():
        CommentTag.objects.filter(comment_id__in=as_uuids(comment_ids)).delete()
        return
    # One array parameter: Django's `IN (%s, …)` of 500 ids cost more to bind than to run.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_COMMENT_TAG} WHERE comment_id = ANY(%s::uuid[])",
                       [comment_ids])  # fmt: skip


def _insert_links_postgres(links: Sequence[CommentTag]) -> None:
    # One INSERT from three arrays: no per-row placeholders or model instances to build.
    sql = f"""
        INSERT INTO {_COMMENT_TAG} (comment_id, tag_id, explanation)
        SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[])
    """
    columns: list[list[Any]] = [
        [link.comment_id for link in links],
        [link.tag_id for link in links],
    ]
    columns.append([link.explanation for link in links])
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)


def canonical_tag_ids(explanations: dict[str, str]) -> dict[str, int]:
    """Map each code to its canonical Tag id (following `merged_into`); create unknown codes."""
    if not explanations:
        return {}
    found = dict(Tag.objects.filter(code__in=explanations).values_list("code", "id"))
    missing = explanations.keys() - found.keys()
    if missing:
        new_tags = [_new_tag(code, explanations[code]) for code in sorted(missing)]
        Tag.objects.bulk_create(new_tags, ignore_conflicts=True)  # a concurrent worker may win
        found |= dict(Tag.objects.filter(code__in=missing).values_list("code", "id"))
        logger.info("Created %d new tags suggested by the classifier", len(missing))
    canonical = tag_canonical_ids(set(found.values()))
    return {code: canonical[tag_id] for code, tag_id in found.items()}


def _new_tag(code: str, explanation: str) -> Tag:
    return Tag(code=code, description=explanation[:255], origin=TagOrigin.LLM)


def release(
    ids: Sequence[str],
    token: datetime,
    *,
    reason: str,
    due_at: datetime,
    transient: bool = False,
    now: datetime | None = None,
) -> int:
    """Put claimed comments back to PENDENTE for a retry due at `due_at`.

    A transient failure (an outage, not the comment's fault) gives the attempt back and starts
    the retry-budget clock if it is not running yet.
    """
    fields: dict[str, Any] = {"status": Status.PENDING, "claimed_at": None}
    fields |= {"enqueued_at": due_at, "last_error": redact(reason)}
    if transient:
        fields["attempts"] = Greatest(F("attempts") - 1, 0)
        fields["retrying_since"] = Coalesce(F("retrying_since"), now or due_at)
        fields["failure_kind"] = FailureKind.TRANSIENT
    return _claimed(ids, token).update(**fields)


def fail(ids: Sequence[str], token: datetime, *, reason: str, kind: FailureKind) -> int:
    """Mark claimed comments FALHOU, keeping `reason` (redacted) and its kind.

    A transient one gives its attempt back (an outage is not the comment's fault) and keeps
    `retrying_since`, so a beat re-try during a continued outage fails again after one call
    instead of starting a new budget.
    """
    fields: dict[str, Any] = {"status": Status.FAILED, "claimed_at": None}
    fields |= {"last_error": redact(reason), "failure_kind": kind}
    if kind == FailureKind.TRANSIENT:
        fields["attempts"] = Greatest(F("attempts") - 1, 0)
    else:
        fields["retrying_since"] = None
    return _claimed(ids, token).update(**fields)


def _claimed(ids: Sequence[str], token: datetime) -> QuerySet[Comment]:
    return Comment.objects.filter(id__in=as_uuids(ids), status=Status.PROCESSING, claimed_at=token)

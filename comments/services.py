"""Comment ingestion, the one path every entry point uses (API, upload, import, admin).

Validates raw items as clients send them, stores the good ones in one transaction with
bounded queries, is idempotent on client-supplied ids, and announces the new ids after commit
so `insights` can enqueue classification (DESIGN §4.1 and §7).
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment, Status
from comments.quota import ingest_quota_consume
from comments.signals import comments_ingested
from common.db import is_postgres
from lib.errors import LimitExceeded, Rejection, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

# NUL cannot be stored in a PostgreSQL text column; lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Hex digits in either case (some platforms print upper case); stored and answered lower case.
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", re.ASCII)


@dataclass(frozen=True)
class IngestResult:
    stored_ids: tuple[str, ...]
    already_known_ids: tuple[str, ...]
    rejected: tuple[Rejection, ...]


class _Candidate(NamedTuple):
    # A tuple, not a dataclass: one is built per item, and a frozen dataclass's __init__
    # cost a tenth of the request's Python time.
    number: int  # the index reported to the client
    position: int  # 0-based place in the request
    id: str  # canonical (lowercase, hyphenated): compared as text, never parsed again
    text: str


def comments_ingest(
    *,
    items: Sequence[Any],
    source: str,
    submitted_by: User | None,
    item_numbers: Sequence[int] | None = None,
    enforce_quota: bool = False,
) -> IngestResult:
    """Store every valid item as a new PENDENTE comment, once per id, in one transaction.

    Raises LimitExceeded (too many items) or ValidationFailed (no valid item) and then stores
    nothing. An id repeated in the request is stored once, its later items rejected by index.
    Classification is requested only after the commit. Rejections name an item by its index,
    or by `item_numbers[index]` when given (a file's row numbers). With `enforce_quota`, the
    valid items count against the submitter's quota (TooManyRequests, nothing stored).
    """
    if len(items) > settings.INGEST_MAX_ITEMS:
        raise LimitExceeded(
            _("No máximo %(max)d comentários por requisição (recebidos %(count)d).")
            % {"max": settings.INGEST_MAX_ITEMS, "count": len(items)}
        )
    candidates, rejected = _validate(items, item_numbers or range(len(items)))
    if not candidates:
        raise ValidationFailed(
            _("Nenhum comentário válido na requisição."),
            rejections=rejected,
        )
    if enforce_quota and submitted_by is not None:
        ingest_quota_consume(user=submitted_by, count=len(candidates))
    with transaction.atomic():
        new_ids = _insert_new(candidates, source=source, submitted_by=submitted_by)
        stored = [c.id for c in candidates if c.id in new_ids]
        if stored:
            transaction.on_commit(
                lambda: comments_ingested.send(sender=Comment, comment_ids=stored), robust=True
            )
    known = tuple(c.id for c in candidates if c.id not in new_ids)
    return IngestResult(tuple(stored), known, tuple(rejected))


@dataclass(frozen=True)
class IngestCheck:
    valid: int
    already_known: int  # valid items whose id is stored already (not stored twice)
    rejected: tuple[Rejection, ...]


def comments_ingest_check(
    *, items: Sequence[Any], item_numbers: Sequence[int] | None = None
) -> IngestCheck:
    """What `comments_ingest` would accept and reject in `items`, storing nothing (a dry run).

    The same validation as the real call, with no limit on the item count: a file is checked
    whole before an import sends it in chunks.
    """
    candidates, rejected = _validate(items, item_numbers or range(len(items)))
    ids = [candidate.id for candidate in candidates]
    size = settings.INGEST_INSERT_CHUNK
    known = sum(
        Comment.objects.filter(pk__in=ids[start : start + size]).count()
        for start in range(0, len(ids), size)
    )
    return IngestCheck(valid=len(candidates), already_known=known, rejected=tuple(rejected))


def _validate(
    items: Sequence[Any], numbers: Sequence[int]
) -> tuple[list[_Candidate], list[Rejection]]:
    """Split items into candidates and rejections; a repeated id is rejected after its first."""
    candidates: list[_Candidate] = []
    rejected: list[Rejection] = []
    first_index: dict[str, int] = {}
    max_length = settings.INGEST_MAX_TEXT_LENGTH
    fresh_ids = _FreshIds(len(items))
    for position, (index, item) in enumerate(zip(numbers, items, strict=True)):
        outcome = _validate_item(item, max_length, fresh_ids)
        if isinstance(outcome, str):
            rejected.append(Rejection(index, outcome))
        elif outcome[0] in first_index:
            rejected.append(Rejection(index, _repeated_id(first_index[outcome[0]])))
        else:
            first_index[outcome[0]] = index
            candidates.append(_Candidate(index, position, *outcome))
    return candidates, rejected


def _repeated_id(first: int) -> str:
    message = _("id repetido na requisição (primeira vez em %(first)d); só a primeira é guardada")
    return message % {"first": first}


def _validate_item(item: Any, max_length: int, fresh_ids: _FreshIds) -> tuple[str, str] | str:
    """Return (id, text) for a valid item, or the reason it is rejected."""
    if not isinstance(item, dict | Mapping):  # dict first: the ABC check is slower
        return _("cada item deve ser um objeto com o campo 'texto'")
    text = item.get("texto")
    if text is None:
        return _("o campo 'texto' é obrigatório")
    if not isinstance(text, str):
        return _("o campo 'texto' deve ser uma string")
    problem = _text_problem(text)
    if problem:
        return problem
    # Stored as sent after NFC (DESIGN §7): no trimming, so "\t=1+1" keeps its tab and the
    # same words typed as NFC or NFD are one text for search and for the length limit.
    text = unicodedata.normalize("NFC", text)
    if len(text) > max_length:
        return _("o texto tem %(length)d caracteres; o máximo é %(max)d") % {
            "length": len(text),
            "max": max_length,
        }
    comment_id = _parse_id(item.get("id", None), fresh_ids)
    if comment_id is None:
        return _("o campo 'id' deve ser um UUID válido, na forma canônica 8-4-4-4-12")
    return comment_id, text


def _text_problem(text: str) -> str | None:
    if not text.strip():
        return _("o texto está vazio")
    unstorable = _UNSTORABLE.search(text)
    if unstorable and unstorable.group() == "\x00":
        return _("o texto contém bytes nulos (\\u0000)")
    if unstorable:
        return _("o texto contém caracteres Unicode inválidos")
    return None


def _parse_id(raw: Any, fresh_ids: _FreshIds) -> str | None:
    """A missing (or null) id gets a fresh UUID; a present one must be a canonical UUID string.

    `uuid.UUID` also takes "{…}", "urn:uuid:…", no hyphens and surrounding spaces; accepting
    those would make two spellings of one id, so only the 8-4-4-4-12 form passes ("" too fails).
    Ids are compared as lowercase text from here on, never parsed again.
    """
    if raw is None:
        return fresh_ids.take()
    if not isinstance(raw, str) or not _CANONICAL_UUID.fullmatch(raw):
        return None
    return raw.lower()


class _FreshIds:
    """Time-ordered (version 7, RFC 9562) UUIDs, as text, for up to `count` items from one read
    of the OS's randomness.

    Version 7 because the primary key is a B-tree: ids that grow with time are inserted at its
    right edge, where PostgreSQL keeps the page it last wrote, while random (version 4) ids
    land on a different page each, dirtying the whole index. `str(uuid.uuid4())` per item (a
    system call and a UUID object each) was a quarter of a 1,000-item request's Python time.
    """

    def __init__(self, count: int) -> None:
        self._random = bytearray(os.urandom(10 * count))
        self._next = 0
        millis = f"{time.time_ns() // 1_000_000:012x}"[-12:]  # 48 bits: the request's instant
        self._prefix = f"{millis[:8]}-{millis[8:]}-7"

    def take(self) -> str:
        start = self._next
        self._next += 10
        raw = self._random[start : start + 10]
        raw[2] = (raw[2] & 0x3F) | 0x80  # RFC 9562 variant
        h = raw.hex()
        # The version nibble is in the prefix; 12 + 62 random bits follow it.
        return f"{self._prefix}{h[1:4]}-{h[4:8]}-{h[8:]}"


def _insert_new(
    candidates: list[_Candidate], *, source: str, submitted_by: User | None
) -> set[str]:
    """Insert the candidates whose id is new, chunk by chunk; return the ids inserted."""
    now = timezone.now()
    insert = _insert_chunk_postgres if is_postgres() else _insert_chunk_other
    size = settings.INGEST_INSERT_CHUNK
    inserted: set[str] = set()
    for start in range(0, len(candidates), size):
        chunk = candidates[start : start + size]
        inserted |= insert(chunk, source=source, submitted_by=submitted_by, now=now)
    return inserted


def _row_values(*, source: str, submitted_by: User | None, now: datetime) -> dict[str, Any]:
    """Every column's value for a new comment except id and text (model defaults elsewhere)."""
    return {
        "source": source,
        "submitted_by": submitted_by.pk if submitted_by is not None else None,
        "received_at": now,
        "enqueued_at": now,
        "status": Status.PENDING,
    }


def _insert_chunk_postgres(
    chunk: list[_Candidate], *, source: str, submitted_by: User | None, now: datetime
) -> set[str]:
    # One statement per chunk; ON CONFLICT DO NOTHING makes concurrent re-posts of an id safe
    # (the loser waits for the winner's commit, then inserts nothing) and RETURNING tells us
    # which ids were new without a second query.
    sql, fields = _postgres_insert_statement()
    values = _row_values(source=source, submitted_by=submitted_by, now=now)
    params = [
        field.get_db_prep_save(values.get(field.name, field.get_default()), connection)
        for field in fields
    ]
    # One JSON document instead of three arrays: quoting arrays element by element in Python
    # cost more than the rest of the request's Python work.
    params.append(orjson.dumps([[c.id, c.text, c.position] for c in chunk]).decode())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}  # text: see RETURNING


@cache
def _postgres_insert_statement() -> tuple[str, list[Any]]:
    """`INSERT … SELECT … FROM <JSON rows> ON CONFLICT (id) DO NOTHING RETURNING id`.

    Built from the model so a new column with a default needs no change here. Each row's
    `received_at` is `now` plus its position in microseconds: the items of one request keep
    their order, and the cursor pagination (keyed on received_at) never sees thousands of
    rows with the same instant. `jsonb`, not `json`: the document is parsed once, where each
    `->>` on `json` parses its element again (PostgreSQL spent ~1.3 ms less per 1,000 rows).
    """
    fields = [
        f
        for f in Comment._meta.concrete_fields
        if f.name not in {"id", "text"} and not f.has_db_default()
    ]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    expressions = ", ".join(
        "%s::timestamptz + (r.value->>2)::int * interval '1 microsecond'"
        if f.name == "received_at"
        else f"%s::{f.cast_db_type(connection)}"
        for f in fields
    )
    sql = (
        f"INSERT INTO {qn(Comment._meta.db_table)} ({qn('id')}, {qn('text')}, {columns}) "
        f"SELECT (r.value->>0)::uuid, r.value->>1, {expressions} "
        f"FROM jsonb_array_elements(%s::jsonb) AS r "
        f"ON CONFLICT ({qn('id')}) DO NOTHING RETURNING {qn('id')}::text"
    )
    return sql, fields


def _insert_chunk_other(
    chunk: list[_Candidate], *, source: str, submitted_by: User | None, now: datetime
) -> set[str]:
    # SQLite (the laptop demo) serialises writers, so check-then-insert cannot race there;
    # ignore_conflicts still guarantees an existing comment is never overwritten.
    ids = [c.id for c in chunk]
    existing = {str(pk) for pk in Comment.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    values = _row_values(source=source, submitted_by=submitted_by, now=now)
    values["submitted_by_id"] = values.pop("submitted_by")
    del values["received_at"]
    new_comments = [
        Comment(
            id=c.id, text=c.text, received_at=now + timedelta(microseconds=c.position), **values
        )
        for c in chunk
        if c.id not in existing
    ]
    Comment.objects.bulk_create(new_comments, ignore_conflicts=True)
    return set(ids) - existing

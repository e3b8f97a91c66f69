"""Property-based tests of `comments_ingest` (hypothesis): any input is accounted for, item by item.

Whatever a client sends, every item ends stored, already known or rejected by its index, the
stored text is the NFC form of what was sent, and the only exceptions are the domain's own.
"""

from __future__ import annotations

import unicodedata
import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.models import Comment, Source
from comments.services import comments_ingest
from lib.errors import DomainError, ValidationFailed

pytestmark = pytest.mark.django_db

FIXED_IDS = [str(uuid.UUID(int=n)) for n in range(1, 4)]  # repeats across items
texts = st.text(max_size=60) | st.sampled_from(["", " ", "\t=1+1", "mu\u0301sica", "a\x00b"])
ids = st.none() | st.sampled_from(FIXED_IDS) | st.uuids().map(str) | st.text(max_size=40)
items = st.one_of(
    st.fixed_dictionaries({"texto": texts}, optional={"id": ids}),
    st.fixed_dictionaries({"texto": st.integers() | st.none() | st.lists(st.integers())}),
    st.text(max_size=10),
    st.integers(),
    st.none(),
)
bounded = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@bounded
@given(batch=st.lists(items, max_size=25))
def test_every_item_is_stored_known_or_rejected_exactly_once(batch):
    refused: ValidationFailed | None = None
    with transaction.atomic():
        try:
            result = comments_ingest(items=batch, source=Source.API, submitted_by=None)
        except ValidationFailed as error:
            refused = error
        finally:
            stored_any = Comment.objects.exists()
            transaction.set_rollback(True)
    if refused is not None:  # nothing valid: every item is named, nothing stored
        assert sorted(r.index for r in refused.rejections) == list(range(len(batch)))
        assert not stored_any
    else:
        rejected = [r.index for r in result.rejected]
        assert len(rejected) == len(set(rejected))
        assert len(result.stored_ids) + len(result.already_known_ids) + len(rejected) == len(batch)


@bounded
@given(batch=st.lists(st.fixed_dictionaries({"texto": texts}, optional={"id": ids}), max_size=15))
def test_stored_texts_are_the_nfc_form_of_what_was_sent(batch):
    with transaction.atomic():
        try:
            result = comments_ingest(items=batch, source=Source.API, submitted_by=None)
            stored = dict(
                Comment.objects.filter(pk__in=result.stored_ids).values_list("pk", "text")
            )
        except DomainError:
            return
        finally:
            transaction.set_rollback(True)
    rejected = {r.index for r in result.rejected}
    sent = [item["texto"] for n, item in enumerate(batch) if n not in rejected]
    assert sorted(stored.values()) == sorted(unicodedata.normalize("NFC", t) for t in sent)
    assert all(t.strip() for t in stored.values())

"""Concurrent claims on PostgreSQL: workers never share a comment, none is classified twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from comments.models import Comment, CommentTag, Status
from insights.pipeline import store
from insights.pipeline.classify import comments_classify
from tests.factories import CommentFactory
from tests.insights.helpers import answer_all

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_broker")]


def in_own_connection(function):
    """Run `function` in a thread the way a second worker would: its own DB connection."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def test_claim_skips_rows_another_worker_holds_instead_of_waiting():
    comments = CommentFactory.create_batch(10)
    held, rest = [c.id for c in comments[:4]], [c.id for c in comments[4:]]
    locked, release = threading.Event(), threading.Event()

    @in_own_connection
    def hold_locks():
        with transaction.atomic():
            list(Comment.objects.select_for_update().filter(id__in=held))
            locked.set()
            release.wait(10)

    with ThreadPoolExecutor(1) as pool:
        holder = pool.submit(hold_locks)
        assert locked.wait(10)
        started = time.monotonic()
        claimed = store.claim([c.id for c in comments], timezone.now())
        elapsed = time.monotonic() - started
        release.set()
        holder.result()

    assert sorted(c.id for c in claimed) == sorted(map(str, rest))
    assert elapsed < 1


def test_concurrent_deliveries_of_the_same_ids_classify_each_comment_once(scripted_backend):
    comments = CommentFactory.create_batch(200)
    ids = [str(c.id) for c in comments]
    slow = answer_all()
    scripted_backend.script = lambda items: (time.sleep(0.05), slow(items))[1]
    start = threading.Barrier(4)

    @in_own_connection
    def deliver(chunk_ids):
        start.wait(10)
        return comments_classify(comment_ids=chunk_ids)

    # Four workers get overlapping batches: all ids, reversed, and two halves.
    deliveries = [ids, ids[::-1], ids[:120], ids[80:]]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(deliver, deliveries))

    assert sum(o.classified for o in outcomes) == 200
    assert Counter(scripted_backend.classified_ids) == Counter(ids)
    assert set(Comment.objects.values_list("status", flat=True)) == {Status.DONE}
    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}
    assert CommentTag.objects.count() == 200

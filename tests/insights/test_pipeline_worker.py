"""The pipeline through real processes: HTTP → Redis → Celery worker (local backend) → Postgres."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from comments.models import Comment, Status
from insights.pipeline.enqueue import classification_enqueue
from tests.factories import CommentFactory
from tests.insights.helpers import (
    assert_fully_classified,
    post_comments_over_http,
    sample_texts,
    wait_until_all_done,
)
from tests.worker import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_broker", "local_model_ready")]


def test_task_enqueued_through_redis_runs_in_a_real_worker(transactional_db, tmp_path):
    comments = [CommentFactory(text=text) for text in sample_texts(5)]

    with running_worker(tmp_path):
        assert classification_enqueue(comment_ids=[str(c.id) for c in comments]) == 1
        wait_until_all_done(5, timeout=60)

    assert_fully_classified()
    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}


def test_500_comments_posted_over_http_all_end_classified(
    transactional_db, live_server, api_token, tmp_path
):
    texts = sample_texts(500)

    # No beat: the sweeper would hide an ingest that forgot to enqueue (test_faults covers it).
    with running_worker(tmp_path):
        bodies = post_comments_over_http(live_server.url, api_token, texts, per_request=100)
        assert [len(body["ids_enfileirados"]) for body in bodies] == [100] * 5
        wait_until_all_done(500, timeout=90)

    assert_fully_classified()
    assert (
        Comment.objects.filter(status=Status.DONE, submitted_by__auth_token__key=api_token).count()
        == 500
    )
    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_the_worker_and_its_pool_run_reniced_by_worker_niceness(transactional_db, tmp_path):
    own = os.getpriority(os.PRIO_PROCESS, 0)

    with running_worker(tmp_path, env={"WORKER_NICENESS": "7"}) as worker:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        pool = [int(pid) for pid in children]

        assert pool, "the prefork pool has no process"
        assert {_niceness(pid) for pid in [worker.pid, *pool]} == {min(own + 7, 19)}

"""Faults the pipeline must survive: a killed worker, Redis down at ingest, duplicate delivery."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import kombu.pools
import pytest
import redis
import requests
from django.test import override_settings
from django.utils import timezone

from alumusic.celery import app
from comments.models import Comment, CommentTag, Status
from insights.pipeline.enqueue import classification_enqueue
from insights.tasks import classify_batch
from tests.factories import ApiClientFactory
from tests.insights.helpers import (
    FAST_SWEEPER_ENV,
    assert_fully_classified,
    sample_texts,
    status_counts,
    wait_until_all_done,
)
from tests.worker import running_worker, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.faults,
    pytest.mark.usefixtures("clean_broker", "local_model_ready"),
]


def create_pending(count: int) -> list[str]:
    comments = Comment.objects.bulk_create(
        Comment(text=text, enqueued_at=timezone.now()) for text in sample_texts(count)
    )
    return [str(c.id) for c in comments]


def test_worker_killed_mid_batch_leaves_no_comment_stuck(transactional_db, tmp_path):
    ids = create_pending(3000)

    with running_worker(tmp_path) as doomed:
        classification_enqueue(comment_ids=ids, batch_size=1500)
        wait_for(
            lambda: status_counts().get(Status.PROCESSING, 0) > 0,
            timeout=60,
            interval=0.02,
            message="the worker never claimed a batch",
        )
        doomed.kill()
    interrupted = set(Comment.objects.filter(status=Status.PROCESSING).values_list("id", flat=True))
    assert interrupted, "the kill should land in the middle of a batch"

    with running_worker(tmp_path, env=FAST_SWEEPER_ENV, beat=True):
        wait_until_all_done(3000, timeout=90)

    assert_fully_classified()
    retried = Comment.objects.filter(id__in=interrupted)
    assert set(retried.values_list("attempts", flat=True)) == {2}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A throwaway redis-server of this test's own: stopping it disturbs nobody else."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _answers(client), timeout=10, message="redis-server did not start")

    def restart(self) -> None:
        """Start again on the same port; this process drops its now-broken broker connections."""
        self.start()
        _point_celery_at(self.url)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _point_celery_at(url: str) -> None:
    """Make this process's Celery producer (and control commands) use broker `url`.

    kombu keeps connection and producer pools in process-wide registries keyed by host and
    port; resetting them drops connections to the old (or restarted) server.
    """
    kombu.pools.reset()
    # Celery copies broker_url into the read and write URLs when it loads its configuration.
    app.conf.update(broker_url=url, broker_read_url=url, broker_write_url=url)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(clean_broker, tmp_path) -> Iterator[PrivateRedis]:
    """This process and the workers the test starts use a private Redis as their broker, and
    this process as its cache (throttling), so stopping it takes every Redis use down."""
    server = PrivateRedis(tmp_path)
    server.start()
    previous = app.conf.broker_write_url
    cache = {
        "BACKEND": "common.cache.FailOpenRedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    try:
        # Workers started by the test take their broker URL from settings.
        with override_settings(
            CELERY_BROKER_URL=server.url, REDIS_URL=server.url, CACHES={"default": cache}
        ):
            _point_celery_at(server.url)
            yield server
    finally:
        server.kill()
        _point_celery_at(previous)


def post(base_url: str, token: str, texts: list[str]) -> requests.Response:
    return requests.post(
        f"{base_url}/api/comentarios",
        json=[{"texto": text} for text in texts],
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )


def test_redis_stopped_during_ingestion_and_restarted_empty_loses_nothing(
    transactional_db, live_server, private_broker, api_token, tmp_path
):
    texts = sample_texts(300)
    first = post(live_server.url, api_token, texts[:100])
    private_broker.kill()  # broker, cache and throttling all gone mid-ingestion

    during = post(live_server.url, api_token, texts[100:])
    user = ApiClientFactory()
    login = requests.post(
        f"{live_server.url}/auth/login",
        json={"email": user.email, "password": "senha-Forte-123"},
        timeout=30,
    )

    assert (first.status_code, during.status_code, login.status_code) == (202, 202, 200)
    assert Comment.objects.count() == 300
    private_broker.restart()  # no persistence: the queued tasks of the first post are gone
    with running_worker(tmp_path, env=FAST_SWEEPER_ENV, beat=True):
        wait_until_all_done(300, timeout=90)
    assert_fully_classified()
    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}


def test_duplicate_delivery_to_two_worker_processes_classifies_each_comment_once(
    transactional_db, tmp_path
):
    ids = create_pending(300)

    with running_worker(tmp_path, concurrency=2) as worker:
        for _copy in range(2):
            classify_batch.apply_async(args=[ids])
        wait_until_all_done(300, timeout=60)
        first_results = dict(Comment.objects.values_list("id", "classified_at"))
        first_tags = set(CommentTag.objects.values_list("comment_id", "tag_id", "explanation"))
        wait_for(
            lambda: (
                worker.log().count("classify_batch") >= 2 and worker.log().count("succeeded") >= 2
            ),
            timeout=60,
            message="the second delivery never ran",
        )

    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}
    assert dict(Comment.objects.values_list("id", "classified_at")) == first_results
    assert set(CommentTag.objects.values_list("comment_id", "tag_id", "explanation")) == first_tags
    assert_fully_classified()


def test_the_same_task_sent_twice_in_a_row_classifies_once(transactional_db, tmp_path):
    ids = create_pending(20)

    with running_worker(tmp_path) as worker:
        classify_batch.apply_async(args=[ids])
        wait_until_all_done(20, timeout=60)
        classified_at = dict(Comment.objects.values_list("id", "classified_at"))
        classify_batch.apply_async(args=[ids])
        wait_for(lambda: worker.log().count("succeeded") >= 2, timeout=30)

    assert dict(Comment.objects.values_list("id", "classified_at")) == classified_at
    assert set(Comment.objects.values_list("attempts", flat=True)) == {1}

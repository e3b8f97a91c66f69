"""`comments_ingest`: bounded queries, batched enqueueing, idempotency under concurrency."""

from __future__ import annotations

import math
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings

from comments.models import Comment, Source
from comments.services import comments_ingest
from lib.errors import LimitExceeded, ValidationFailed
from tests.factories import ApiClientFactory


def classify_messages() -> int:
    """Messages waiting in the Redis list Celery uses for the `classify` queue."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("classify")


@pytest.mark.django_db
def test_ingesting_1000_comments_makes_few_queries_and_enqueues_one_task_per_batch(
    auth_client, clean_broker, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    items = [{"id": str(uuid.uuid4()), "texto": f"Comentário {n}"} for n in range(1000)]

    with (
        django_assert_max_num_queries(3),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = auth_client.post("/api/comentarios", items, format="json")

    assert response.status_code == 202
    assert Comment.objects.count() == 1000
    assert classify_messages() == math.ceil(1000 / settings.CLASSIFY_BATCH_SIZE)


@pytest.mark.django_db
@override_settings(INGEST_INSERT_CHUNK=100)
def test_queries_grow_with_chunks_not_with_items(
    client_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    items = [{"texto": f"Comentário {n}"} for n in range(1000)]

    # One INSERT per chunk, plus the savepoint the test's own transaction adds.
    with django_assert_max_num_queries(10 + 2), django_capture_on_commit_callbacks():
        result = comments_ingest(items=items, source=Source.API, submitted_by=client_user)

    assert len(result.stored_ids) == 1000


@pytest.mark.django_db
def test_nothing_is_enqueued_when_every_id_is_already_known(
    client_user, clean_broker, django_capture_on_commit_callbacks
):
    items = [{"id": str(uuid.uuid4()), "texto": "Olá"}]
    with django_capture_on_commit_callbacks(execute=True):
        comments_ingest(items=items, source=Source.API, submitted_by=client_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = comments_ingest(items=items, source=Source.API, submitted_by=client_user)

    assert result.stored_ids == ()
    assert result.already_known_ids == (items[0]["id"],)
    assert callbacks == []
    assert classify_messages() == 1


@pytest.mark.django_db
def test_new_rows_are_pending_with_source_submitter_and_timestamps_text_as_sent(
    client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        result = comments_ingest(
            items=[{"texto": "  Ótimo álbum  "}], source=Source.IMPORT, submitted_by=client_user
        )

    comment = Comment.objects.get(pk=result.stored_ids[0])
    assert comment.text == "  Ótimo álbum  "  # stored as sent (DESIGN §7): no trimming
    assert (comment.status, comment.source, comment.submitted_by) == (
        "PENDENTE",
        "import",
        client_user,
    )
    assert comment.enqueued_at is not None
    assert comment.category is None


@pytest.mark.django_db
def test_items_of_one_request_keep_their_order_newest_last(
    client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        result = comments_ingest(
            items=[{"texto": f"c{n}"} for n in range(5)], source="api", submitted_by=client_user
        )

    newest_first = list(Comment.objects.order_by("-received_at").values_list("pk", flat=True))
    assert [str(pk) for pk in newest_first] == list(reversed(result.stored_ids))


@pytest.mark.django_db
def test_ids_the_service_makes_are_version_7_and_grow_with_time(
    client_user, django_capture_on_commit_callbacks
):
    def ingest() -> list[uuid.UUID]:
        with django_capture_on_commit_callbacks():
            result = comments_ingest(
                items=[{"texto": f"c{n}"} for n in range(200)],
                source="api",
                submitted_by=client_user,
            )
        return [uuid.UUID(pk) for pk in result.stored_ids]

    earlier = ingest()
    time.sleep(0.002)  # the next millisecond: version 7 orders by it
    later = ingest()

    assert {u.version for u in earlier + later} == {7}
    assert {u.variant for u in earlier + later} == {uuid.RFC_4122}
    assert len(set(earlier + later)) == 400
    assert max(earlier) < min(later)
    stamp_ms = max(u.int >> 80 for u in later)
    assert abs(stamp_ms - time.time() * 1000) < 60_000


@pytest.mark.django_db
@override_settings(INGEST_MAX_ITEMS=3)
def test_too_many_items_raise_limit_exceeded():
    with pytest.raises(LimitExceeded):
        comments_ingest(items=[{"texto": "a"}] * 4, source="api", submitted_by=None)
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_no_valid_item_raises_validation_failed_with_every_reason():
    with pytest.raises(ValidationFailed) as failure:
        comments_ingest(
            items=[{"texto": ""}, {"texto": "a", "id": "x"}], source="api", submitted_by=None
        )

    assert [r.index for r in failure.value.rejections] == [0, 1]


@pytest.mark.django_db
def test_item_numbers_name_rejections_by_file_row():
    result = comments_ingest(
        items=[{"texto": "a"}, {"texto": ""}],
        source="upload",
        submitted_by=None,
        item_numbers=[2, 3],
    )

    assert result.rejected == ((3, "o texto está vazio"),)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_ids_store_each_comment_once():
    user = ApiClientFactory()
    items = [{"id": str(uuid.uuid4()), "texto": f"c{n}"} for n in range(300)]
    results = []
    barrier = threading.Barrier(2)

    def ingest() -> None:
        barrier.wait()
        try:
            results.append(comments_ingest(items=items, source="api", submitted_by=user))
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Comment.objects.count() == 300
    stored = [set(r.stored_ids) for r in results]
    known = [set(r.already_known_ids) for r in results]
    assert stored[0] | stored[1] == {item["id"] for item in items}
    assert stored[0].isdisjoint(stored[1])
    assert stored[0] == known[1]
    assert stored[1] == known[0]

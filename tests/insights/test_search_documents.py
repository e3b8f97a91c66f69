"""Search documents are written by the worker that claims a comment, not by ingestion (issue 12).

Through real processes: HTTP (live server) → Redis → Celery worker → Postgres,
then the admin's search box."""

from __future__ import annotations

import pytest

from comments.models import Comment, CommentSearch, Status
from tests.insights.helpers import admin_search, post_comments_over_http, wait_until_all_done
from tests.worker import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_broker", "local_model_ready")]

TEXT = "Quando abre a pré-venda dos ingressos para o show em Belém?"


def test_a_posted_comment_is_searchable_only_after_a_worker_claimed_it(
    transactional_db, live_server, api_token, tmp_path
):
    (body,) = post_comments_over_http(live_server.url, api_token, [TEXT], per_request=1)
    (comment_id,) = body["ids_enfileirados"]

    assert not CommentSearch.objects.filter(comment_id=comment_id).exists()
    assert admin_search("pre-venda belem") == []

    # The task waits in Redis from the POST; the worker picks it up when it starts.
    with running_worker(tmp_path):
        wait_until_all_done(1, timeout=60)

    assert Comment.objects.get(pk=comment_id).status == Status.DONE
    assert admin_search("pre-venda belem") == [TEXT]
    assert CommentSearch.objects.filter(comment_id=comment_id).count() == 1

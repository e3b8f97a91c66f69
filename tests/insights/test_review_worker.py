"""A curator's correction survives a reclassification run by a real Celery worker (issue 8)."""

from __future__ import annotations

import pytest

from comments.bulk import comments_reclassify
from comments.models import Category, Comment, CommentTag, Status
from comments.review import comment_review
from tests.factories import CommentFactory, TagFactory
from tests.insights.helpers import wait_until_all_done
from tests.worker import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean_broker", "local_model_ready")]


def test_reclassifying_after_a_correction_keeps_the_human_category_and_tags(
    transactional_db, tmp_path, curator
):
    TagFactory(code="bug_app")
    comment = CommentFactory(
        text="Que álbum incrível, ouvi o dia inteiro!",
        status=Status.DONE,
        category=Category.PRAISE,
        confidence=0.55,
        needs_review=True,
    )
    comment_review(
        comment_id=str(comment.pk), reviewer=curator, category="SPAM", tag_codes=["bug_app"]
    )

    with running_worker(tmp_path):
        assert comments_reclassify(queryset=Comment.objects.filter(pk=comment.pk)) == 1
        wait_until_all_done(1, timeout=60)

    comment.refresh_from_db()
    assert comment.status == Status.DONE
    assert comment.classified_at is not None
    assert comment.category == "SPAM"
    assert list(CommentTag.objects.filter(comment=comment).values_list("tag__code", flat=True)) == [
        "bug_app"
    ]

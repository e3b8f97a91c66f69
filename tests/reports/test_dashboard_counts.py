"""The curators' dashboard counts (issue 8): settled days from the report's rollup, the recent
days from the comments, so a cache miss never groups the whole table once a build has run."""

from __future__ import annotations

import pytest

from comments.models import Category, Status
from reports.dashboard.selectors import dashboard_compute
from reports.services import snapshot_build
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def test_counts_add_the_rollups_settled_days_to_todays_comments(make_classified):
    make_classified(3, Category.PRAISE, days_ago=5)
    snapshot_build(full=True)
    CommentFactory(text="chegou agora")  # PENDENTE, after the build

    dashboard = dashboard_compute()

    assert dashboard.total == 4
    assert dashboard.status_counts[Status.DONE] == 3
    assert dashboard.status_counts[Status.PENDING] == 1
    assert dashboard.category_counts[Category.PRAISE] == 3
    assert dashboard.trend[Category.PRAISE][-6] == 3  # five days ago (today is last)
    assert dashboard.trend[""][-1] == 1
    assert dashboard.received_today == 1


def test_a_settled_day_is_read_from_the_rollup_until_the_next_build(make_classified):
    make_classified(2, Category.CRITICISM, days_ago=5)
    snapshot_build(full=True)
    make_classified(1, Category.CRITICISM, days_ago=5)  # e.g. an import of old comments

    before = dashboard_compute().category_counts[Category.CRITICISM]
    snapshot_build(full=True)
    after = dashboard_compute().category_counts[Category.CRITICISM]

    assert (before, after) == (2, 3)


def test_without_a_build_every_day_is_counted_on_the_comments(make_classified):
    make_classified(2, Category.SPAM, days_ago=9)

    dashboard = dashboard_compute()

    assert dashboard.category_counts[Category.SPAM] == 2
    assert dashboard.trend[Category.SPAM][-10] == 2


def test_failures_are_listed_by_their_most_frequent_error():
    for error in ("tempo esgotado", "tempo esgotado", "resposta inválida"):
        CommentFactory(status=Status.FAILED, last_error=error)
    CommentFactory(status=Status.DONE, category=Category.PRAISE, last_error="antigo")

    assert dashboard_compute().failures == [("tempo esgotado", 2), ("resposta inválida", 1)]

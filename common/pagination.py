"""Paginators for large tables: the admin's estimated count and the API's cursor pages."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination

from common.db import is_postgres


class LargeTablePaginator(Paginator):
    """Counts exactly up to COUNT_CAP rows and asks the planner for an estimate beyond that.

    An exact COUNT(*) over a million filtered rows costs more than the page itself; curators
    need "about how many", then filter or search to narrow down (DESIGN §8).
    """

    COUNT_CAP = 10_000
    is_estimate = False

    @cached_property
    def count(self) -> int:
        # Unordered: sorting every matching row only to count the first COUNT_CAP is waste
        # (a full-text search matching 100,000 rows spent seconds there).
        capped = self._queryset().order_by()[: self.COUNT_CAP + 1].count()
        if capped <= self.COUNT_CAP:
            return capped
        self.is_estimate = True
        return max(self._planner_estimate(), capped)

    def _queryset(self) -> QuerySet[Any]:
        # The admin always paginates a queryset; the stubs type object_list more loosely.
        return self.object_list  # type: ignore[return-value]

    def _planner_estimate(self) -> int:
        queryset = self._queryset()
        if not is_postgres(queryset.db):
            return self.COUNT_CAP + 1
        sql, params = queryset.query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages over `received_at` (newest first): stable under inserts, no COUNT."""

    ordering = ("-received_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

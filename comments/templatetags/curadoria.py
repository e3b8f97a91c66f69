"""Template tags for the curators' admin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min, QuerySet
from django.utils.timezone import localtime

from comments.formatting import percent

register = template.Library()


class _RangeDates:
    """Stands in for the list's queryset inside Django's date hierarchy.

    Django lists the years, months or days that have rows with SELECT DISTINCT over every
    filtered row, which costs half a second at a million comments. Here the choices are every
    year, month or day between the first and the last row: two index lookups.
    """

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset

    def aggregate(self, **bounds: Min | Max) -> dict[str, Any]:
        """Django's `first=Min(field), last=Max(field)`, as two `ORDER BY field LIMIT 1`.

        PostgreSQL turns MIN/MAX into an index lookup only for a single-table query; the
        search's semi-join (comments.search) made it a hash join over every comment (~0.5 s
        at 1M), while the ordered LIMIT 1 stays a walk down the index.
        """
        return {name: self._edge(bound) for name, bound in bounds.items()}

    def _edge(self, bound: Min | Max) -> Any:
        field = bound.get_source_expressions()[0].name  # Min(F(field)), no filter
        rows = self.queryset.filter(**{f"{field}__isnull": False})
        ordered = rows.order_by(field if isinstance(bound, Min) else f"-{field}")
        return ordered.values_list(field, flat=True).first()

    def datetimes(self, field_name: str, kind: str) -> list[date]:
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = localtime(bounds["first"]).date(), localtime(bounds["last"]).date()
        return list(_steps(first, last, kind))

    dates = datetimes


def _steps(first: date, last: date, kind: str) -> Iterator[date]:
    if kind == "year":
        yield from (date(year, 1, 1) for year in range(first.year, last.year + 1))
    elif kind == "month":
        current = first.replace(day=1)
        while current <= last:
            yield current
            current = (current + timedelta(days=32)).replace(day=1)
    else:
        yield from (first + timedelta(days=n) for n in range((last - first).days + 1))


@register.inclusion_tag("admin/date_hierarchy.html")
def range_date_hierarchy(cl: Any) -> dict[str, Any]:
    """Django's date hierarchy for `cl`, with choices from the rows' date range."""
    original = cl.queryset
    cl.queryset = _RangeDates(original)
    try:
        return date_hierarchy(cl) or {}
    finally:
        cl.queryset = original


@register.filter
def pct(value: float | None, decimals: int = 0) -> str:
    """0.873|pct -> "87 %", formatted for pt-BR."""
    return percent(value, int(decimals))

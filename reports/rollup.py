"""The daily rollup behind the snapshot: per-day counts computed in SQL from the comments.

A build recomputes the recent days (where comments arrive and get classified) and, every
REPORT_ROLLUP_FULL_EVERY_SECONDS, every day, so reviews of older comments show up too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Floor, Least, TruncDate
from django.utils import timezone

from comments.models import Comment, CommentTag, Tag
from common.db import is_postgres

from .models import DailyRollup, DailyTagRollup

NO_CONFIDENCE = -1


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    return timezone.localtime(timezone.now(), local_zone()).date()


def day_start(day: date) -> datetime:
    """The aware instant a São Paulo calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def recent_start() -> date:
    return local_today() - timedelta(days=max(1, settings.REPORT_ROLLUP_RECENT_DAYS) - 1)


def rollup_refresh(*, since: date | None, recent: RecentTagCounts | None = None) -> None:
    """Recompute the rollup of every day from `since` on (every day when None); call it inside
    the build's transaction so readers never see a day half rewritten. `recent`, when given,
    holds the tag counts of those days already (recent_tag_counts)."""
    comments = Comment.objects.order_by()
    links = CommentTag.objects.order_by()
    if since is not None:
        comments = comments.filter(received_at__gte=day_start(since))
        links = links.filter(comment__received_at__gte=day_start(since))
        DailyRollup.objects.filter(day__gte=since).delete()
        DailyTagRollup.objects.filter(day__gte=since).delete()
    else:
        DailyRollup.objects.all().delete()
        DailyTagRollup.objects.all().delete()
    DailyRollup.objects.bulk_create(_comment_rows(comments), batch_size=2000)
    DailyTagRollup.objects.bulk_create(_tag_rows(links, since, recent), batch_size=2000)


def _confidence_bucket() -> Case:
    decile = Cast(Least(Floor(F("confidence") * 10), Value(9.0)), IntegerField())
    return Case(
        When(confidence__isnull=True, then=Value(NO_CONFIDENCE)),
        default=decile,
        output_field=IntegerField(),
    )


def _comment_rows(comments: QuerySet[Comment]) -> list[DailyRollup]:
    grouped = (
        comments.annotate(
            day=TruncDate("received_at", tzinfo=local_zone()),
            bucket=_confidence_bucket(),
            label=Coalesce("category", Value("")),
        )
        .values("day", "label", "status", "bucket")
        .annotate(
            n=Count("id"),
            confidence_total=Coalesce(Sum("confidence"), Value(0.0)),
            review=Count("id", filter=Q(needs_review=True, reviewed_at__isnull=True)),
        )
    )
    return [
        DailyRollup(
            day=row["day"],
            category=row["label"],
            status=row["status"],
            confidence_bucket=row["bucket"],
            comment_count=row["n"],
            confidence_sum=row["confidence_total"],
            review_count=row["review"],
        )
        for row in grouped
    ]


def _tag_rows(
    links: QuerySet[CommentTag], since: date | None, recent: RecentTagCounts | None
) -> list[DailyTagRollup]:
    counts: dict[tuple[date, str, str], int] = defaultdict(int)
    codes = canonical_tag_codes()
    rows = recent.by_day if recent is not None and since is not None else _tag_counts(links, since)
    for day, tag_id, category, count in rows:
        counts[(day, codes.get(tag_id, ""), category)] += count
    return [
        DailyTagRollup(day=day, tag_code=code, category=category, comment_count=count)
        for (day, code, category), count in counts.items()
        if code
    ]


def canonical_tag_codes() -> dict[int, str]:
    """Tag id → the code it counts under: an alias counts for the tag it was merged into."""
    return {
        tag_id: merged or code
        for tag_id, code, merged in Tag.objects.values_list("id", "code", "merged_into__code")
    }


def _tag_counts(
    links: QuerySet[CommentTag], since: date | None
) -> Iterable[tuple[date, int, str, int]]:
    """(day, tag id, category, comments) for the comments received since `since`."""
    if since is not None and is_postgres():
        return tag_counts_recent(day_start(since), by_day=True)
    return (
        links.annotate(
            day=TruncDate("comment__received_at", tzinfo=local_zone()),
            label=Coalesce("comment__category", Value("")),
        )
        .values_list("day", "tag_id", "label")
        .annotate(n=Count("id"))
    )


# The planner joins a recent window of comments to all of comments_commenttag with a hash join
# over the whole table (~0.4 s at 1M comments); LATERAL makes it one index probe per comment.
_RECENT_TAGS_SQL = """
    SELECT {day} AS day, links.tag_id, COALESCE(c.category, '') AS category, COUNT(*)
    FROM {comments} c
    CROSS JOIN LATERAL (
        SELECT tag_id FROM {links} ct WHERE ct.comment_id = c.id
    ) links
    WHERE c.received_at >= %s
    GROUP BY 1, 2, 3
"""


@dataclass(frozen=True)
class RecentTagCounts:
    """One scan of the recent comments' tags, shared by the rollup and the 48-hour top tags."""

    by_day: list[tuple[date, int, str, int]]  # (day, tag id, category, comments) from `since_day`
    window: list[tuple[int, int]]  # (tag id, comments) received since `since_instant`


_RECENT_WINDOWS_SQL = """
    SELECT (c.received_at AT TIME ZONE %s)::date AS day, links.tag_id,
           COALESCE(c.category, '') AS category, c.received_at >= %s AS in_window, COUNT(*)
    FROM {comments} c
    CROSS JOIN LATERAL (
        SELECT tag_id FROM {links} ct WHERE ct.comment_id = c.id
    ) links
    WHERE c.received_at >= LEAST(%s, %s)
    GROUP BY 1, 2, 3, 4
"""


def recent_tag_counts(*, since_day: date, since_instant: datetime) -> RecentTagCounts:
    """PostgreSQL: the tag counts per day from `since_day` and since `since_instant` at once
    (each was a LATERAL scan of its own, the two largest queries of a build at 1M)."""
    sql = _RECENT_WINDOWS_SQL.format(
        comments=Comment._meta.db_table, links=CommentTag._meta.db_table
    )
    start = day_start(since_day)
    with connection.cursor() as cursor:
        cursor.execute(sql, [settings.TIME_ZONE, since_instant, start, since_instant])
        rows = cursor.fetchall()
    by_day: dict[tuple[date, int, str], int] = defaultdict(int)
    window: dict[int, int] = defaultdict(int)
    for day, tag_id, category, in_window, count in rows:
        if day >= since_day:
            by_day[(day, tag_id, category)] += count
        if in_window:
            window[tag_id] += count
    return RecentTagCounts(
        by_day=[(*key, count) for key, count in by_day.items()], window=list(window.items())
    )


def tag_counts_recent(since: datetime, *, by_day: bool) -> list[tuple]:
    """PostgreSQL: (day or None, tag id, category, comments) for comments since `since`."""
    day = "(c.received_at AT TIME ZONE %s)::date" if by_day else "NULL::date"
    sql = _RECENT_TAGS_SQL.format(
        day=day, comments=Comment._meta.db_table, links=CommentTag._meta.db_table
    )
    params: list[Any] = [settings.TIME_ZONE, since] if by_day else [since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

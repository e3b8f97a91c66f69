"""The daily rollup behind the snapshot: per-day counts computed in SQL from the comments.

A build recomputes the recent days (where comments arrive and get classified) and, every
REPORT_ROLLUP_FULL_EVERY_SECONDS, every day, so reviews of older comments show up too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Floor, Least, TruncDate
from django.utils import timezone

from comments.models import Comment, CommentTag

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


def rollup_refresh(*, since: date | None) -> None:
    """Recompute the rollup of every day from `since` on (every day when None); call it inside
    the build's transaction so readers never see a day half rewritten."""
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
    DailyTagRollup.objects.bulk_create(_tag_rows(links), batch_size=2000)


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


def _tag_rows(links: QuerySet[CommentTag]) -> list[DailyTagRollup]:
    grouped = (
        links.annotate(
            day=TruncDate("comment__received_at", tzinfo=local_zone()),
            # An alias counts for the tag it was merged into (DESIGN §3).
            code=Coalesce("tag__merged_into__code", "tag__code"),
            label=Coalesce("comment__category", Value("")),
        )
        .values("day", "code", "label")
        .annotate(n=Count("id"))
    )
    return [
        DailyTagRollup(
            day=row["day"], tag_code=row["code"], category=row["label"], comment_count=row["n"]
        )
        for row in grouped
    ]

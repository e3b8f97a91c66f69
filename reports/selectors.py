"""Reads of the reports app: the latest snapshot, stakeholders, summaries, active alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.errors import NotFound

from .models import ReportSnapshot, SpikeAlert, Stakeholder, WeeklySummary


def report_latest() -> ReportSnapshot | None:
    """The newest snapshot, or None before the first build."""
    return ReportSnapshot.objects.order_by("-built_at", "-id").first()


def report_latest_built_at() -> datetime | None:
    """When the newest snapshot was built (the rollup is as fresh as that), or None."""
    return (
        ReportSnapshot.objects.order_by("-built_at", "-id").values_list("built_at", flat=True)
    ).first()


def report_latest_version() -> tuple[int, str] | None:
    """(id, digest) of the newest snapshot: one index-only row, checked on every request."""
    row = ReportSnapshot.objects.order_by("-built_at", "-id").values_list("id", "digest").first()
    return (row[0], row[1]) if row else None


def report_latest_payload() -> dict | None:
    """The newest snapshot's numbers only (its charts weigh far more), or None."""
    return (
        ReportSnapshot.objects.order_by("-built_at", "-id")
        .values_list("payload", flat=True)
        .first()
    )


def report_get(snapshot_id: int) -> ReportSnapshot:
    return ReportSnapshot.objects.get(pk=snapshot_id)


def alerts_active() -> QuerySet[SpikeAlert]:
    """Alerts detected or refreshed in the last REPORT_ALERT_ACTIVE_DAYS, strongest first (the
    report and the curators' dashboard show these)."""
    since = timezone.now() - timedelta(days=settings.REPORT_ALERT_ACTIVE_DAYS)
    return SpikeAlert.objects.filter(updated_at__gte=since).order_by("-zscore", "subject")


def stakeholders_list() -> QuerySet[Stakeholder]:
    return Stakeholder.objects.order_by("email")


def stakeholders_receiving_summary() -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(active=True).order_by("email")


def stakeholders_receiving_alerts() -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(active=True, alerts_opt_in=True).order_by("email")


def stakeholder_get(stakeholder_id: str) -> Stakeholder:
    """The stakeholder `stakeholder_id`; NotFound for unknown or malformed ids."""
    try:
        return Stakeholder.objects.get(pk=stakeholder_id)
    except (Stakeholder.DoesNotExist, ValueError, DjangoValidationError) as exc:
        raise NotFound(_("Destinatário não encontrado.")) from exc


def summaries_recent(limit: int | None = None) -> QuerySet[WeeklySummary]:
    return WeeklySummary.objects.order_by("-week_start")[: limit or settings.QUESTION_SUMMARIES]


def summary_for_week(week: str) -> WeeklySummary | None:
    return WeeklySummary.objects.filter(week=week).first()

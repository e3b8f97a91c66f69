"""Writes of the reports app: building the snapshot, managing stakeholders."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.db import is_postgres
from lib.errors import Conflict, ValidationFailed

from . import selectors
from .alerts import alert_as_wire, alerts_detect
from .charts import charts_draw
from .locks import local_lock_release, transaction_lock_try
from .models import ReportSnapshot, Stakeholder
from .rollup import (
    RecentTagCounts,
    local_today,
    recent_start,
    recent_tag_counts,
    rollup_refresh,
)
from .signals import snapshot_built
from .snapshot import payload_build

logger = logging.getLogger(__name__)

SNAPSHOT_LOCK = "report-snapshot"


def snapshot_build(*, full: bool | None = None) -> ReportSnapshot | None:
    """Build and store a new snapshot, or return None at once if another build is running.

    `full` recomputes every day of the rollup (default: when the last full one is older than
    REPORT_ROLLUP_FULL_EVERY_SECONDS). Aggregation, alerts and charts happen here, never on a
    request. The build holds a database lock, so overlapping beats never build twice.
    """
    with transaction.atomic():
        if not transaction_lock_try(SNAPSHOT_LOCK):
            logger.info("Snapshot build skipped: another build holds the lock")
            return None
        try:
            snapshot = _build_locked(full=full)
        finally:
            local_lock_release(SNAPSHOT_LOCK)
    transaction.on_commit(
        lambda: snapshot_built.send(sender=ReportSnapshot, snapshot_id=snapshot.pk)
    )
    return snapshot


def _build_locked(*, full: bool | None) -> ReportSnapshot:
    started = time.perf_counter()
    now = timezone.now()
    full = _full_rollup_due(now) if full is None else full
    since = None if full else recent_start()
    recent = _recent_tags(now, since)
    rollup_refresh(since=since, recent=recent)
    payload = payload_build(now=now, recent=recent)
    alerts_detect(today=local_today())
    payload["alertas"] = [alert_as_wire(alert) for alert in selectors.alerts_active()]
    previous = selectors.report_latest()
    charts = charts_draw(payload, previous=previous.charts if previous else [])
    build_ms = round((time.perf_counter() - started) * 1000)
    snapshot = ReportSnapshot.objects.create(
        built_at=now,
        build_ms=build_ms,
        payload=payload,
        charts=charts,
        digest=_digest(payload, charts),
        full_rollup=full,
    )
    _prune_old_snapshots()
    logger.info("Snapshot %s built in %d ms (full rollup: %s)", snapshot.pk, build_ms, full)
    return snapshot


def _recent_tags(now: datetime, since: date | None) -> RecentTagCounts | None:
    """The recent days' and last 48 hours' tag counts in one scan (PostgreSQL)."""
    if not is_postgres():
        return None
    return recent_tag_counts(
        since_day=since or recent_start(), since_instant=now - timedelta(hours=48)
    )


def _full_rollup_due(now: datetime) -> bool:
    last_full = (
        ReportSnapshot.objects.filter(full_rollup=True)
        .order_by("-built_at")
        .values_list("built_at", flat=True)
    ).first()
    every = timedelta(seconds=settings.REPORT_ROLLUP_FULL_EVERY_SECONDS)
    return last_full is None or now - last_full >= every


def _digest(payload: dict, charts: list[dict]) -> str:
    material = json.dumps([payload, [chart["hash"] for chart in charts]], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:40]


def _prune_old_snapshots() -> None:
    keep = ReportSnapshot.objects.order_by("-built_at", "-id").values_list("id", flat=True)[
        : settings.REPORT_SNAPSHOTS_KEPT
    ]
    ReportSnapshot.objects.exclude(id__in=list(keep)).delete()


# --- stakeholders ------------------------------------------------------------------------------


def stakeholder_create(*, email: object) -> Stakeholder:
    """A new active stakeholder; ValidationFailed for a missing or invalid e-mail, Conflict
    for one already registered (in any letter case)."""
    address = email.strip().lower() if isinstance(email, str) else ""
    if not address:
        raise ValidationFailed(_("Informe o e-mail."), details={"email": [_("Obrigatório.")]})
    try:
        validate_email(address)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("E-mail inválido."), details={"email": [_("Informe um e-mail válido.")]}
        ) from exc
    try:
        with transaction.atomic():
            return Stakeholder.objects.create(email=address)
    except IntegrityError as exc:
        raise Conflict(_("Este e-mail já está cadastrado.")) from exc


def stakeholder_delete(*, stakeholder_id: str) -> None:
    """Remove a stakeholder (NotFound if unknown)."""
    selectors.stakeholder_get(stakeholder_id).delete()


def stakeholder_unsubscribe(*, stakeholder: Stakeholder) -> Stakeholder:
    """Stop every e-mail to `stakeholder` (idempotent: a second click changes nothing)."""
    Stakeholder.objects.filter(pk=stakeholder.pk, active=True).update(
        active=False, alerts_opt_in=False, unsubscribed_at=timezone.now()
    )
    stakeholder.refresh_from_db()
    return stakeholder

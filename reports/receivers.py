"""Signal receivers of the reports: enqueue work, nothing more."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from reports.signals import snapshot_built
from reports.tasks import alerts_notify

logger = logging.getLogger(__name__)


@receiver(snapshot_built, dispatch_uid="reports.notify_alerts")
def notify_alerts(sender: Any, snapshot_id: int, **kwargs: Any) -> None:
    """E-mail new spike alerts from a task (a build never waits on SMTP). A broker outage is
    logged only: alerts stay unsent until a later build enqueues again."""
    try:
        alerts_notify.delay()
    except Exception:  # kombu raises several types when Redis is unreachable
        logger.exception("Could not enqueue the spike alert notifications")

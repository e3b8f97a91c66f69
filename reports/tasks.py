"""Celery tasks of the reports (queue `reports`): thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from . import mail, services, summaries


@shared_task(name="reports.tasks.snapshot_refresh")
def snapshot_refresh() -> None:
    """Beat task (every REPORT_SNAPSHOT_INTERVAL_SECONDS): rebuild the report snapshot."""
    services.snapshot_build()


@shared_task(name="reports.tasks.weekly_summary_send")
def weekly_summary_send() -> None:
    """Beat task (django-celery-beat, Monday 08:00): summarise last week and e-mail it."""
    summaries.summary_build_and_send()


@shared_task(name="reports.tasks.alerts_notify")
def alerts_notify() -> None:
    """E-mail spike alerts not yet sent to the stakeholders who opted in."""
    mail.alerts_notify()

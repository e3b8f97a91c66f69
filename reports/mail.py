"""E-mails of the reports: the weekly summary and spike alerts, HTML + text, with one-click
unsubscribe (a signed token link, and the List-Unsubscribe headers of RFC 2369 / RFC 8058)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Category

from . import selectors
from .alerts import alert_sentence
from .models import SpikeAlert, Stakeholder, WeeklySummary

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "reports.unsubscribe"


def unsubscribe_token(stakeholder: Stakeholder) -> str:
    """A signed, stable token for `stakeholder` (no expiry: an old e-mail's link still works)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(stakeholder.pk))


def stakeholder_from_token(token: str) -> Stakeholder | None:
    """The stakeholder a valid token names, or None (forged, damaged or deleted)."""
    try:
        stakeholder_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    try:
        return Stakeholder.objects.filter(pk=stakeholder_id).first()
    except DjangoValidationError:  # signed by us, so only if the id format ever changes
        return None


def unsubscribe_url(stakeholder: Stakeholder) -> str:
    path = reverse("unsubscribe", kwargs={"token": unsubscribe_token(stakeholder)})
    return settings.SITE_URL + path


def _message(
    *, subject: str, template: str, context: dict, stakeholder: Stakeholder
) -> EmailMultiAlternatives:
    link = unsubscribe_url(stakeholder)
    context = {
        **context,
        "unsubscribe_url": link,
        "report_url": settings.SITE_URL + reverse("report"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"reports/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[stakeholder.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"reports/email/{template}.html", context),
                               "text/html")  # fmt: skip
    return message


def summary_message(*, summary: WeeklySummary, stakeholder: Stakeholder) -> EmailMultiAlternatives:
    """The weekly summary e-mail for one stakeholder."""
    numbers = summary.numbers
    by_category = numbers.get("por_categoria", {})
    return _message(
        subject=_("AluMusic Insights: resumo da semana %(week)s") % {"week": summary.week},
        template="weekly_summary",
        context={
            "summary": summary,
            "paragraphs": [p for p in summary.text.split("\n") if p.strip()],
            "numbers": numbers,
            "categories": [
                (Category(c).label, by_category[c]) for c in Category.values if c in by_category
            ],
            "start": summary.week_start,
            "end": summary.week_start + timedelta(days=6),
        },
        stakeholder=stakeholder,
    )


def alerts_message(*, alerts: list[SpikeAlert], stakeholder: Stakeholder) -> EmailMultiAlternatives:
    return _message(
        subject=_("AluMusic Insights: alerta de pico nos comentários"),
        template="spike_alerts",
        context={"sentences": [alert_sentence(alert) for alert in alerts]},
        stakeholder=stakeholder,
    )


def alerts_notify() -> int:
    """E-mail the alerts nobody was told about to opted-in stakeholders; return how many.

    The alerts are claimed (`notified_at`) in one locked statement first, so two workers never
    send the same alert twice; a failed e-mail is logged (the report still shows the alert).
    """
    with transaction.atomic():
        alerts = list(
            SpikeAlert.objects.select_for_update(skip_locked=True)
            .filter(notified_at__isnull=True)
            .order_by("-zscore")
        )
        SpikeAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(notified_at=timezone.now())
    if not alerts:
        return 0
    for stakeholder in selectors.stakeholders_receiving_alerts():
        try:
            alerts_message(alerts=alerts, stakeholder=stakeholder).send()
        except Exception:  # SMTP raises many types
            logger.exception("Could not e-mail %d alerts to %s", len(alerts), stakeholder.pk)
    return len(alerts)

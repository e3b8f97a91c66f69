"""ISO weeks as the reports name them: "2026-W48", Monday to Sunday in São Paulo time."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils.translation import gettext as _

from lib.errors import ValidationFailed

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week_label(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_parse(label: str) -> date:
    """The Monday of ISO week `label` ("2026-W48"); ValidationFailed if it is not one."""
    match = _WEEK_RE.match(label.strip())
    if not match:
        raise ValidationFailed(_("Semana inválida: use o formato AAAA-Wss (ex.: 2026-W48)."))
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise ValidationFailed(_("Semana inexistente: %(week)s.") % {"week": label}) from exc


def previous_week_monday(today: date) -> date:
    """The Monday of the last complete week before `today`."""
    return week_monday(today) - timedelta(weeks=1)

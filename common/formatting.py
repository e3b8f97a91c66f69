"""Dates as curators read them: local time (America/Sao_Paulo), pt-BR order, a dash for none."""

from __future__ import annotations

from datetime import datetime

from django.utils.formats import date_format
from django.utils.timezone import localtime

EMPTY = "—"


def local_datetime(value: datetime | None, fmt: str = "d/m/Y H:i") -> str:
    """`value` in the local zone, formatted with Django's date format codes; "—" when None."""
    return date_format(localtime(value), fmt) if value else EMPTY

"""Database-vendor switches: PostgreSQL gets its fast paths, SQLite (the demo) a portable one."""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def is_postgres(alias: str | None = None) -> bool:
    """Whether the database behind `alias` (default: the default connection) is PostgreSQL."""
    return (connections[alias] if alias else connection).vendor == "postgresql"


def skip_locked(queryset: QuerySet[M]) -> QuerySet[M]:
    """Rows a concurrent transaction holds are skipped (PostgreSQL); other databases just lock."""
    if connections[queryset.db].features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset

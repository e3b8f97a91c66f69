"""The bench databases: their URL, creating, dropping and using one, emptying its tables."""

from __future__ import annotations

import os
from typing import Any


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, or `<DATABASE_URL's name>_bench` on the same server."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alumusic")
    return f"{base}_bench"


def _server_and_name(url: str) -> tuple[str, str]:
    server, name = url.rsplit("/", 1)
    return server, name


def _maintenance(url: str) -> Any:
    import psycopg

    server, _name = _server_and_name(url)
    return psycopg.connect(server.replace("postgres://", "postgresql://") + "/postgres",
                           autocommit=True)  # fmt: skip


def database_create(url: str) -> None:
    """Create the database named in `url` unless it exists."""
    _server, name = _server_and_name(url)
    with _maintenance(url) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    _server, name = _server_and_name(url)
    with _maintenance(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_use(url: str) -> None:
    """Point this process's Django connection at `url` (created and migrated if needed)."""
    from django.core.management import call_command
    from django.db import connection

    database_create(url)
    _server, name = _server_and_name(url)
    connection.close()
    connection.settings_dict["NAME"] = name
    os.environ["DATABASE_URL"] = url  # inherited by every process started below
    call_command("migrate", verbosity=0)


def current_database_url() -> str:
    from tests.worker import test_database_url

    return test_database_url()


def tables_empty() -> None:
    """TRUNCATE comments (tag links, search documents) and the LLM call log (fast at any size)."""
    from django.db import connection

    from comments.models import Comment, CommentSearch, CommentTag
    from insights.models import LLMCall

    with connection.cursor() as cursor:
        models = (CommentTag, CommentSearch, Comment, LLMCall)
        tables = ", ".join(m._meta.db_table for m in models)
        cursor.execute(f"TRUNCATE {tables}")

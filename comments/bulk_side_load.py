"""Tables loaded over connections of their own while the main transaction loads comments.

The tag links and the search documents reference comments_comment, so on one connection their
COPY and index builds waited for the comments' and ran alone, on one core (docs/performance.md,
generator section). Here each such table gets its own connection and transaction: its
secondary indexes, unique constraints and primary key are set aside (nothing references these
two tables; one sorted build of a key cost a third of keeping it up row by row), its COPY
streams alongside the comments' (a backend per connection, so the cores share the work), its
indexes are rebuilt while the main transaction rebuilds the comments' ones, and it commits
only after the main transaction has committed — a failed load leaves none of its rows behind.

The foreign keys to comments stay, but that connection does not check them row by row
(`session_replication_role = replica`, what pg_restore's --disable-triggers does): every row
references a comment of the same load, which commits first. Only a superuser may set that, and
only outside a transaction the caller already holds can the commit order be kept, so
`side_loads_possible` says when to fall back to the single connection.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.copy import QueuedLibpqWriter

from .bulk_load import set_aside

logger = logging.getLogger(__name__)

_CONNECTION_KEYS = ("dbname", "user", "password", "host", "port", "sslmode", "options")


def side_loads_possible(connection: BaseDatabaseWrapper) -> bool:
    """A superuser, and no transaction open on `connection` (its commit must be the real one)."""
    if connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


class SideLoad:
    """One table's COPY on a connection of its own; see the module docstring for the order."""

    def __init__(self, connection: BaseDatabaseWrapper, table: str, copy_sql: str) -> None:
        self.table = table
        params = connection.get_connection_params()
        self.connection = psycopg.connect(
            **{key: params[key] for key in _CONNECTION_KEYS if params.get(key)}
        )
        self.cursor = self.connection.cursor()
        self.cursor.execute("SET session_replication_role = replica")
        self.cursor.execute("SET maintenance_work_mem = '256MB'")
        # Its index builds run beside the main transaction's, which already keep both cores
        # busy: parallel workers here only added their sort-merge overhead (docs/performance.md).
        self.cursor.execute("SET max_parallel_maintenance_workers = 0")
        self.cursor.execute("SET synchronous_commit = off")  # a bulk tool: no need to wait
        self.restore = set_aside(self.cursor, [table], constraint_types="up")
        self._copying: AbstractContextManager[Any] = self.cursor.copy(
            copy_sql, writer=QueuedLibpqWriter(self.cursor)
        )
        self.copy = self._copying.__enter__()
        self._copy_open = True

    def write(self, data: bytes) -> None:
        self.copy.write(data)

    def build(self) -> None:
        """End the COPY and rebuild what was set aside (from a thread of its own)."""
        self._copy_open = False
        self._copying.__exit__(None, None, None)
        for statement in self.restore:
            self.cursor.execute(statement)

    def commit(self) -> None:
        self.connection.commit()

    def close(self) -> None:
        """Abort an unfinished COPY, roll back whatever was not committed, disconnect."""
        if self._copy_open:
            self._copy_open = False
            aborted = RuntimeError("the main load failed")
            try:
                self._copying.__exit__(type(aborted), aborted, None)
            except psycopg.Error as error:  # the COPY is being thrown away anyway
                logger.info("Aborted side load of %s: %s", self.table, error)
        self.connection.close()

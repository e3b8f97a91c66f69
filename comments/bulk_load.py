"""Bulk loads into a table that is (nearly) empty: its indexes and constraints are set aside
during the COPY and rebuilt once at the end, in the same transaction.

At 200,000 comments the row-by-row upkeep cost far more than one sorted build: the deferred
foreign-key checks (one trigger per row, fired at COMMIT) took as long as the COPY itself, and
the PostgreSQL backend spent less CPU building the indexes, the full-text GIN one included,
than maintaining them (docs/performance.md). PostgreSQL only; the tables stay locked (ACCESS
EXCLUSIVE) until the transaction ends, so this is for benchmark and demo databases, never a
live one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_CONSTRAINTS = """
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE conrelid = ANY(%s::regclass[]) AND contype = ANY(%s::"char"[])
    ORDER BY contype DESC  -- 'u' and 'p' before 'f': a foreign key may need its index back
"""
_INDEXES = """
    SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
    FROM pg_index
    WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
      AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conindid <> 0)
"""


def set_aside(cursor: Any, tables: Sequence[str], constraint_types: str = "fu") -> list[str]:
    """Drop the secondary indexes of `tables` and their constraints of `constraint_types`
    (`f` foreign key, `u` unique, `p` primary key: only of a table no foreign key references);
    return the statements that recreate them, in order."""
    cursor.execute(_CONSTRAINTS, [list(tables), list(constraint_types)])
    constraints = cursor.fetchall()
    cursor.execute(_INDEXES, [list(tables)])
    indexes = cursor.fetchall()
    for table, name, _definition in reversed(constraints):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in constraints
    ]


@contextmanager
def indexes_rebuilt_after(cursor: Any, tables: Sequence[str]) -> Iterator[None]:
    """Inside a transaction: drop the secondary indexes, unique and foreign-key constraints of
    `tables`, run the block, then recreate them all (foreign keys validated by one query
    each instead of one trigger per row). The primary keys stay."""
    # Rows inserted earlier in this transaction still owe their foreign-key checks; ALTER
    # TABLE refuses a table with pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Sorts for the rebuilt indexes in memory rather than in temporary files.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    restore = set_aside(cursor, tables)
    yield
    for statement in restore:
        cursor.execute(statement)
    # Back to the foreign keys' own mode (Django creates them INITIALLY DEFERRED).
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")

"""Rows in PostgreSQL's binary COPY form, built with numpy (comments/binary_copy.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from django.db import connection

from comments.binary_copy import (
    SIGNATURE,
    TRAILER,
    Column,
    field,
    fixed_fields,
    fixed_table,
    joined,
    timestamps,
)

pytestmark = pytest.mark.django_db

INSTANTS = np.array(["2026-09-01T10:00:00.000001", "1999-12-31T23:59:59.5"], dtype="datetime64[us]")


def _copied(create: str, columns: str, data: bytes) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE copied ({create})")
        with cursor.cursor.copy(f"COPY copied ({columns}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(SIGNATURE + data + TRAILER)
        cursor.execute("SELECT * FROM copied ORDER BY n")
        return cursor.fetchall()


def test_rows_of_fixed_width_columns_arrive_as_sent():
    ids = np.frombuffer(bytes(range(32)), dtype="V16")
    columns = [
        Column(">i2", np.array([1, 2], dtype=np.int16)),
        Column("V16", ids),
        Column(">i8", timestamps(INSTANTS)),
        Column(">f8", np.array([0.8123, 1.0])),
        Column("?", np.array([True, False])),
        Column(">i8", np.int64(7)),
        Column("S6", b"gerado"),
    ]

    rows = _copied(
        "n smallint, id uuid, at timestamptz, x float8, b boolean, tag bigint, why varchar(9)",
        "n, id, at, x, b, tag, why",
        fixed_table(columns, 2),
    )

    assert [(row[0], row[1].bytes, row[3], row[4], row[5], row[6]) for row in rows] == [
        (1, bytes(range(16)), 0.8123, True, 7, "gerado"),
        (2, bytes(range(16, 32)), 1.0, False, 7, "gerado"),
    ]
    assert [row[2] for row in rows] == [
        datetime(2026, 9, 1, 10, 0, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    ]


def test_nulls_in_any_pattern_and_pooled_fields_of_variable_width_line_up_row_by_row():
    size = 4
    first_null = np.array([False, True, False, True])
    second_null = np.array([False, False, True, True])
    fixed = fixed_fields(
        [
            Column(">i2", np.arange(size, dtype=np.int16)),
            Column(">f8", np.array([0.5, 1.5, 2.5, 3.5]), null=first_null),
            Column(">i8", timestamps(np.repeat(INSTANTS[:1], size)), null=second_null),
        ],
        size,
        field_count=4,
    )
    texts = np.array([field("Vôo ❤️".encode()), field(None), field(b"")], dtype=object)

    rows = _copied(
        "n smallint, x float8, at timestamptz, t text",
        "n, x, at, t",
        joined(fixed, texts[[0, 1, 2, 0]]),
    )

    at = datetime(2026, 9, 1, 10, 0, 0, 1, tzinfo=UTC)
    assert rows == [
        (0, 0.5, at, "Vôo ❤️"),
        (1, None, at, None),
        (2, 2.5, None, ""),
        (3, None, None, "Vôo ❤️"),
    ]

"""PostgreSQL's binary COPY format, assembled column by column with numpy (comments.generation).

A row is a 16-bit field count, then each field as a 32-bit length and the value in the type's
binary form (`-1` and no value for NULL); a stream starts with `SIGNATURE` and ends with
`TRAILER`. Values of fixed width (uuid, timestamptz, float8, int2/int8, boolean) go into a
numpy structured array whose bytes are the fields themselves; values drawn from a small set
(a status, a text) are encoded once with `field` and picked by index. Compared with the text
format the server skips parsing every value (timestamps and uuids above all), and the client
skips formatting them.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # no flags, no header extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
_POSTGRES_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")


@dataclass(frozen=True)
class Column:
    """One fixed-width column for every row: `values` (an array, or one value for all) in the
    big-endian numpy `dtype` of its binary form; rows where `null` is true are NULL."""

    dtype: str
    values: Any
    null: np.ndarray | None = None


def field(value: bytes | None) -> bytes:
    """One field of variable width (text, varchar, a tsvector's send form), or NULL."""
    return NULL if value is None else struct.pack(">i", len(value)) + value


def timestamps(instants: np.ndarray) -> np.ndarray:
    """timestamptz's binary form: microseconds since 2000-01-01 UTC, as `>i8` values."""
    return (instants.astype("datetime64[us]") - _POSTGRES_EPOCH).astype(np.int64)


def fixed_table(columns: Sequence[Column], size: int) -> bytes:
    """`size` whole rows of fixed-width, never NULL `columns`, field counts included."""
    return _block(columns, size, None, 0, field_count=len(columns)).tobytes()


def fixed_fields(columns: Sequence[Column], size: int, field_count: int | None) -> list[bytes]:
    """Each row's `columns` (with its field count first when `field_count` is given), as one
    bytes object per row, for `joined` to put next to the row's other fields.

    A NULL changes a row's width, so the rows are built in groups of the same NULL pattern
    (a handful: the nullable columns go NULL together, e.g. for an unclassified comment).
    """
    patterns = np.zeros(size, dtype=np.int64)
    for bit, column in enumerate(columns):
        if column.null is not None:
            patterns |= column.null.astype(np.int64) << bit
    distinct = np.unique(patterns).tolist()
    if len(distinct) == 1:
        return _rows(_block(columns, size, None, distinct[0], field_count))
    pieces = np.empty(size, dtype=object)
    for pattern in distinct:
        rows = np.flatnonzero(patterns == pattern)
        pieces[rows] = _rows(_block(columns, len(rows), rows, pattern, field_count))
    return pieces.tolist()


def joined(*pieces: Sequence[bytes] | np.ndarray) -> bytes:
    """Rows whose fields are the concatenation, row by row, of the `pieces` (bytes objects)."""
    columns = [piece.tolist() if isinstance(piece, np.ndarray) else piece for piece in pieces]
    return b"".join(itertools.chain.from_iterable(zip(*columns, strict=True)))


def _rows(block: np.ndarray) -> list[bytes]:
    return block.view(f"V{block.itemsize}").tolist()


def _block(
    columns: Sequence[Column],
    size: int,
    rows: np.ndarray | None,
    null_pattern: int,
    field_count: int | None,
) -> np.ndarray:
    """`size` rows (the given `rows`, or all) of `columns` as a packed structured array: length
    and value per field, only the length (-1) where bit k of `null_pattern` says column k is
    NULL."""
    layout: list[tuple[str, str]] = [("count", ">i2")] if field_count is not None else []
    for k, column in enumerate(columns):
        layout.append((f"length{k}", ">i4"))
        if not null_pattern >> k & 1:
            layout.append((f"value{k}", column.dtype))
    block = np.empty(size, dtype=layout)
    if field_count is not None:
        block["count"] = field_count
    for k, column in enumerate(columns):
        if null_pattern >> k & 1:
            block[f"length{k}"] = -1
            continue
        block[f"length{k}"] = np.dtype(column.dtype).itemsize
        values = column.values
        if isinstance(values, np.ndarray) and rows is not None:
            values = values[rows]
        block[f"value{k}"] = values
    return block

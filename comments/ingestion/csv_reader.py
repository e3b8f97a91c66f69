"""The CSV reader: the delimiter, the optional header and the row numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO

from django.utils.translation import gettext as _

from comments.ingestion.encoding import text_stream
from comments.ingestion.rows import (
    ParsedRow,
    csv_columns,
    csv_item,
    is_headerless_single_column,
)
from lib.errors import ValidationFailed

# With a single column there is no delimiter to find; a control character that never appears
# in text keeps the csv module's quote handling without splitting on commas in the text.
_NO_DELIMITER = "\x1f"


def read_csv(file: IO[bytes]) -> Iterator[ParsedRow]:
    text = text_stream(file)
    number = 1  # the row being read: the header is row 1
    try:
        header_line = text.readline()
        delimiter = _delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        lines: Iterator[str] = text
        first_number = 2
        if is_headerless_single_column(header):
            # Old clients send one text per line and no header: the first line is a text too.
            text_column, id_column, first_number = 0, None, 1
            lines = _prepend(header_line, text)
        else:
            text_column, id_column = csv_columns(header)
        number = first_number
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=first_number):
            if row:  # a blank line is no row; a row of empty cells is an empty text
                yield ParsedRow(number, csv_item(row, text_column, id_column))
            number += 1  # an error while reading the next row is about that row
    except csv.Error as exc:
        raise _unreadable_csv(number, str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise _unreadable_csv(number, _("byte que não é texto em UTF-8 nem Windows-1252")) from exc
    finally:
        text.detach()  # leave the caller's file open


def _unreadable_csv(row: int, reason: str) -> ValidationFailed:
    if "field larger than field limit" in reason:
        reason = _("um campo passa de %(max)d caracteres") % {"max": csv.field_size_limit()}
    return ValidationFailed(
        _("CSV ilegível na linha %(line)d: %(reason)s") % {"line": row, "reason": reason},
        details={"linha": row},
    )


def _delimiter(header_line: str) -> str:
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if semicolons > commas:
        return ";"
    return "," if commas else _NO_DELIMITER


def _prepend(first_line: str, rest: io.TextIOWrapper) -> Iterator[str]:
    yield first_line
    yield from rest

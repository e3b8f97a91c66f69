"""The XLSX reader: zip-bomb limits, then the first worksheet read like a CSV."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from comments.ingestion.rows import (
    ParsedRow,
    csv_columns,
    csv_item,
    is_headerless_single_column,
)
from lib.errors import LimitExceeded, ValidationFailed

logger = logging.getLogger(__name__)

# An .xlsx written by Excel has a few dozen parts; thousands mean a crafted archive.
_XLSX_MAX_PARTS = 1_000


def read_xlsx(file: IO[bytes]) -> Iterator[ParsedRow]:
    # openpyxl reports a damaged workbook with many unrelated exception types (zip, XML,
    # KeyError for a missing part…), so any failure while reading means "unreadable file".
    import openpyxl

    _check_xlsx_archive(file)
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        logger.info("Unreadable XLSX upload: %r", exc)
        raise _unreadable_xlsx() from exc
    try:
        yield from _xlsx_rows(workbook)
    except ValidationFailed:
        raise
    except Exception as exc:
        logger.info("Unreadable XLSX upload: %r", exc)
        raise _unreadable_xlsx() from exc
    finally:
        workbook.close()


def _check_xlsx_archive(file: IO[bytes]) -> None:
    """Refuse a workbook whose parts would decompress past the limits, before parsing any.

    A 1 MB upload can hold a 1 GiB cell. The sizes declared in the zip directory bound what
    `zipfile` will inflate (a part that inflates past its declared size fails its CRC check),
    so reading them first keeps a zip bomb from ever reaching the XML parser.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable_xlsx() from exc
    finally:
        file.seek(0)
    limit = settings.XLSX_MAX_UNCOMPRESSED_BYTES
    total = sum(part.file_size for part in parts)
    if len(parts) > _XLSX_MAX_PARTS or total > limit:
        raise LimitExceeded(
            _("A planilha descompactada passaria de %(max)d bytes; o máximo é esse.")
            % {"max": limit},
            details={"bytes_descompactados": total, "partes": len(parts)},
        )


def _xlsx_rows(workbook: Any) -> Iterator[ParsedRow]:
    if not workbook.worksheets:
        raise _unreadable_xlsx()
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [_cell_text(value) for value in next(rows, ())]
    if is_headerless_single_column(header):
        yield ParsedRow(1, {"texto": header[0]})
        text_column, id_column = 0, None
    else:
        text_column, id_column = csv_columns(header)
    for number, values in enumerate(rows, start=2):
        if any(value is not None for value in values):  # sheets often end in blank rows
            row = [_cell_text(value, number) for value in values]
            yield ParsedRow(number, csv_item(row, text_column, id_column))


def _cell_text(value: Any, row: int = 1) -> str:
    text = "" if value is None else str(value)
    if len(text) > settings.XLSX_MAX_CELL_CHARS:
        raise ValidationFailed(
            _("A célula na linha %(line)d tem %(length)d caracteres; o máximo é %(max)d.")
            % {"line": row, "length": len(text), "max": settings.XLSX_MAX_CELL_CHARS},
            details={"linha": row},
        )
    return text


def _unreadable_xlsx() -> ValidationFailed:
    return ValidationFailed(_("Arquivo XLSX ilegível ou corrompido."))

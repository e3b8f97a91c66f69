"""Readers for comment files (CSV, JSON, XLSX) that yield raw items lazily.

Every reader yields `ParsedRow(number, item)` where `item` is the raw mapping the ingestion
service validates (`{"texto": ..., "id"?: ...}`) and `number` is how a person finds the row:
the spreadsheet row for CSV and XLSX (the header is row 1) and the list index for JSON. A file
that cannot be read raises ValidationFailed; empty texts are left for the service to reject.
This module is the entry point (the size check and the choice of reader by file kind); each
format has its own module (`csv_reader`, `json_reader`, `xlsx_reader`), and what they share
lives beside them: `encoding` (UTF-8 or Windows-1252 detection, the read chunk) and `rows`
(`ParsedRow` and the header rules of CSV and XLSX).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from comments.ingestion.csv_reader import read_csv
from comments.ingestion.encoding import UTF8_BOM
from comments.ingestion.json_reader import read_json
from comments.ingestion.rows import ParsedRow
from comments.ingestion.xlsx_reader import read_xlsx
from lib.errors import LimitExceeded, ValidationFailed

__all__ = ["SUPPORTED_EXTENSIONS", "ParsedRow", "check_file_size", "read_items"]

SUPPORTED_EXTENSIONS = (".csv", ".json", ".xlsx")
_ZIP_MAGIC = b"PK\x03\x04"


def check_file_size(size: int) -> None:
    """Refuse an upload larger than INGEST_MAX_FILE_BYTES (HTTP 413)."""
    if size > settings.INGEST_MAX_FILE_BYTES:
        raise LimitExceeded(
            _("O arquivo tem %(size)d bytes; o máximo é %(max)d.")
            % {"size": size, "max": settings.INGEST_MAX_FILE_BYTES}
        )


def read_items(file: IO[bytes], *, filename: str) -> Iterator[ParsedRow]:
    """Yield the rows of a seekable binary `file`, typed by its extension or content."""
    kind = _file_kind(file, filename)
    if kind == "xlsx":
        return read_xlsx(file)
    if kind == "json":
        return read_json(file)
    return read_csv(file)


def _file_kind(file: IO[bytes], filename: str) -> str:
    extension = PurePath(filename or "").suffix.lower()
    head = file.read(8)
    file.seek(0)
    if extension and extension not in SUPPORTED_EXTENSIONS:
        raise ValidationFailed(
            _("Tipo de arquivo não suportado: %(ext)s. Envie .csv, .json ou .xlsx.")
            % {"ext": extension}
        )
    if extension:
        return extension[1:]
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.removeprefix(UTF8_BOM).lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"

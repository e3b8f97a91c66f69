"""Readers for comment files (CSV, JSON, XLSX) that yield raw items lazily.

Every reader yields `ParsedRow(number, item)` where `item` is the raw mapping the ingestion
service validates (`{"texto": ..., "id"?: ...}`) and `number` is how a person finds the row:
the spreadsheet row for CSV and XLSX (the header is row 1) and the list index for JSON. A file
that cannot be read raises ValidationFailed; empty texts are left for the service to reject.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from lib.errors import LimitExceeded, ValidationFailed
from lib.text import collapse_spaces, fold_accents

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = (".csv", ".json", ".xlsx")
_READ_CHUNK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = codecs.BOM_UTF8
# With a single column there is no delimiter to find; a control character that never appears
# in text keeps the csv module's quote handling without splitting on commas in the text.
_NO_DELIMITER = "\x1f"


class ParsedRow(NamedTuple):
    number: int
    item: Any


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
        return _read_xlsx(file)
    if kind == "json":
        return _read_json(file)
    return _read_csv(file)


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
    if head.removeprefix(_UTF8_BOM).lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _detect_encoding(file: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when every byte decodes, else Latin-1 (old spreadsheets)."""
    if file.read(3) == _UTF8_BOM:
        file.seek(0)
        return "utf-8-sig"
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(_READ_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    finally:
        file.seek(0)
    return "utf-8"


def _text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    # newline="" lets the csv module see the line endings inside quoted fields.
    return io.TextIOWrapper(file, encoding=_detect_encoding(file), newline="")


# --- CSV ---------------------------------------------------------------------------------------


def _read_csv(file: IO[bytes]) -> Iterator[ParsedRow]:
    text = _text_stream(file)
    try:
        header_line = text.readline()
        delimiter = _delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        lines: Iterator[str] = text
        first_number = 2
        if _is_headerless_single_column(header):
            # Old clients send one text per line and no header: the first line is a text too.
            text_column, id_column, first_number = 0, None, 1
            lines = _prepend(header_line, text)
        else:
            text_column, id_column = _csv_columns(header)
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            for number, row in enumerate(reader, start=first_number):
                if row:  # a blank line is no row; a row of empty cells is an empty text
                    yield ParsedRow(number, _csv_item(row, text_column, id_column))
        except csv.Error as exc:
            raise ValidationFailed(
                _("CSV ilegível perto da linha %(line)d: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc
    finally:
        text.detach()  # leave the caller's file open


def _delimiter(header_line: str) -> str:
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if semicolons > commas:
        return ";"
    return "," if commas else _NO_DELIMITER


def _normalise_header(name: str) -> str:
    return fold_accents(collapse_spaces(name.lstrip("\ufeff")))


def _is_headerless_single_column(header: list[str]) -> bool:
    """One column whose first line is not the `texto` header: a plain list of texts."""
    return len(header) == 1 and _normalise_header(header[0]) != "texto"


def _prepend(first_line: str, rest: io.TextIOWrapper) -> Iterator[str]:
    yield first_line
    yield from rest


def _csv_columns(header: list[str]) -> tuple[int, int | None]:
    names = [_normalise_header(name) for name in header]
    if "texto" not in names:
        found = ", ".join(repr(name) for name in header if name.strip()) or _("nenhuma")
        raise ValidationFailed(
            _(
                "O arquivo precisa de uma coluna 'texto' no cabeçalho (ou de uma única coluna, "
                "sem cabeçalho). Colunas encontradas: %(columns)s."
            )
            % {"columns": found},
            details={"colunas_encontradas": [name for name in header if name.strip()]},
        )
    return names.index("texto"), names.index("id") if "id" in names else None


def _csv_item(row: list[str], text_column: int, id_column: int | None) -> dict[str, str]:
    item = {"texto": row[text_column] if text_column < len(row) else ""}
    if id_column is not None and id_column < len(row) and row[id_column].strip():
        item["id"] = row[id_column]
    return item


# --- JSON --------------------------------------------------------------------------------------


def _read_json(file: IO[bytes]) -> Iterator[ParsedRow]:
    text = _text_stream(file)
    try:
        for index, value in enumerate(_json_elements(text)):
            yield ParsedRow(index, {"texto": value} if isinstance(value, str) else value)
    finally:
        text.detach()


class _JsonArrayReader:
    """Decode the elements of a top-level JSON array one at a time, reading in chunks.

    The standard library has no streaming parser; `raw_decode` over a sliding buffer keeps
    memory bounded by the largest element, not the file.
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.buffer = ""
        self.position = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(_READ_CHUNK)
        self.eof = not chunk
        self.buffer = self.buffer[self.position :] + chunk
        self.position = 0
        return bool(chunk)

    def next_char(self) -> str:
        """The next non-whitespace character (not consumed), or '' at the end of the file."""
        while True:
            rest = self.buffer[self.position :]
            stripped = rest.lstrip()
            self.position += len(rest) - len(stripped)
            if stripped:
                return stripped[0]
            if not self._fill():
                return ""

    def value(self) -> Any:
        while True:
            self.next_char()  # raw_decode does not skip leading whitespace
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as exc:
                if self._fill():
                    continue
                raise _invalid_json(exc) from exc
            if end == len(self.buffer) and self._fill():
                continue  # a number may go on in the next chunk
            self.position = end
            return value


def _invalid_json(exc: Exception | None = None) -> ValidationFailed:
    detail = {"motivo": exc.msg} if isinstance(exc, json.JSONDecodeError) else None
    return ValidationFailed(
        _(
            'JSON inválido: o arquivo deve conter um objeto {"texto": …} ou uma lista de textos '
            "ou de objetos."
        ),
        details=detail,
    )


def _json_elements(stream: IO[str]) -> Iterator[Any]:
    """The elements of a top-level array, or the one top-level object (old clients' shape)."""
    reader = _JsonArrayReader(stream)
    first = reader.next_char()
    if first == "{":
        yield reader.value()
        if reader.next_char() != "":
            raise _invalid_json()
        return
    if first != "[":
        raise _invalid_json()
    reader.position += 1
    if reader.next_char() == "]":
        reader.position += 1
    else:
        while True:
            yield reader.value()
            separator = reader.next_char()
            reader.position += 1
            if separator == "]":
                break
            if separator != ",":
                raise _invalid_json()
    if reader.next_char() != "":
        raise _invalid_json()


# --- XLSX --------------------------------------------------------------------------------------


def _read_xlsx(file: IO[bytes]) -> Iterator[ParsedRow]:
    # openpyxl reports a damaged workbook with many unrelated exception types (zip, XML,
    # KeyError for a missing part…), so any failure while reading means "unreadable file".
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
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


def _xlsx_rows(workbook: Any) -> Iterator[ParsedRow]:
    if not workbook.worksheets:
        raise _unreadable_xlsx()
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [_cell_text(value) for value in next(rows, ())]
    if _is_headerless_single_column(header):
        yield ParsedRow(1, {"texto": header[0]})
        text_column, id_column = 0, None
    else:
        text_column, id_column = _csv_columns(header)
    for number, values in enumerate(rows, start=2):
        if any(value is not None for value in values):  # sheets often end in blank rows
            row = [_cell_text(value) for value in values]
            yield ParsedRow(number, _csv_item(row, text_column, id_column))


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)


def _unreadable_xlsx() -> ValidationFailed:
    return ValidationFailed(_("Arquivo XLSX ilegível ou corrompido."))

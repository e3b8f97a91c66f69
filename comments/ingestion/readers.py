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
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from lib.errors import LimitExceeded, ValidationFailed
from lib.nesting import json_depth_exceeds
from lib.text import collapse_spaces, fold_accents

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = (".csv", ".json", ".xlsx")
_READ_CHUNK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = codecs.BOM_UTF8
# With a single column there is no delimiter to find; a control character that never appears
# in text keeps the csv module's quote handling without splitting on commas in the text.
_NO_DELIMITER = "\x1f"
# An .xlsx written by Excel has a few dozen parts; thousands mean a crafted archive.
_XLSX_MAX_PARTS = 1_000
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


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
    """UTF-8 (with or without BOM) when every byte decodes, else Windows-1252.

    Windows-1252, not Latin-1: Excel on Windows saves "CSV" in it, and its smart quotes and
    dashes (0x80-0x9F) would become invisible control characters when read as Latin-1. The
    few bytes that Windows-1252 leaves undefined make the file unreadable (400), not garbled.
    """
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
        file.seek(0)
        _refuse_undefined_cp1252(file)
        return "cp1252"
    finally:
        file.seek(0)
    return "utf-8"


def _refuse_undefined_cp1252(file: IO[bytes]) -> None:
    """400 naming the file line of the first byte that Windows-1252 leaves undefined."""
    line = 1
    while chunk := file.read(_READ_CHUNK):
        found = _CP1252_UNDEFINED.search(chunk)
        if found:
            line += chunk.count(b"\n", 0, found.start())
            raise ValidationFailed(
                _("Codificação não reconhecida na linha %(line)d: use UTF-8 ou Windows-1252.")
                % {"line": line},
                details={"linha": line},
            )
        line += chunk.count(b"\n")


def _text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    # newline="" lets the csv module see the line endings inside quoted fields.
    return io.TextIOWrapper(file, encoding=_detect_encoding(file), newline="")


# --- CSV ---------------------------------------------------------------------------------------


def _read_csv(file: IO[bytes]) -> Iterator[ParsedRow]:
    text = _text_stream(file)
    number = 1  # the row being read: the header is row 1
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
        number = first_number
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=first_number):
            if row:  # a blank line is no row; a row of empty cells is an empty text
                yield ParsedRow(number, _csv_item(row, text_column, id_column))
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
            if json_depth_exceeds(value, settings.JSON_MAX_DEPTH - 1):  # the list is a level
                raise ValidationFailed(
                    _("O item %(index)d do JSON tem listas ou objetos aninhados demais.")
                    % {"index": index}
                )
            yield ParsedRow(index, {"texto": value} if isinstance(value, str) else value)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("O arquivo JSON deve estar em UTF-8.")) from exc
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
            except RecursionError as exc:
                raise _invalid_json() from exc
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
    if _is_headerless_single_column(header):
        yield ParsedRow(1, {"texto": header[0]})
        text_column, id_column = 0, None
    else:
        text_column, id_column = _csv_columns(header)
    for number, values in enumerate(rows, start=2):
        if any(value is not None for value in values):  # sheets often end in blank rows
            row = [_cell_text(value, number) for value in values]
            yield ParsedRow(number, _csv_item(row, text_column, id_column))


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

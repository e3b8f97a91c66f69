"""The JSON reader: a top-level array (or one object) decoded element by element."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from comments.ingestion import encoding
from comments.ingestion.encoding import text_stream
from comments.ingestion.rows import ParsedRow
from lib.errors import ValidationFailed
from lib.nesting import json_depth_exceeds


def read_json(file: IO[bytes]) -> Iterator[ParsedRow]:
    text = text_stream(file)
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
        chunk = self.stream.read(encoding.READ_CHUNK)
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

"""Encoding detection for text uploads (UTF-8 or Windows-1252) and the text stream over them."""

from __future__ import annotations

import codecs
import io
import re
from typing import IO

from django.utils.translation import gettext as _

from lib.errors import ValidationFailed

READ_CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")


def _detect_encoding(file: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when every byte decodes, else Windows-1252.

    Windows-1252, not Latin-1: Excel on Windows saves "CSV" in it, and its smart quotes and
    dashes (0x80-0x9F) would become invisible control characters when read as Latin-1. The
    few bytes that Windows-1252 leaves undefined make the file unreadable (400), not garbled.
    """
    if file.read(3) == UTF8_BOM:
        file.seek(0)
        return "utf-8-sig"
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(READ_CHUNK):
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
    while chunk := file.read(READ_CHUNK):
        found = _CP1252_UNDEFINED.search(chunk)
        if found:
            line += chunk.count(b"\n", 0, found.start())
            raise ValidationFailed(
                _("Codificação não reconhecida na linha %(line)d: use UTF-8 ou Windows-1252.")
                % {"line": line},
                details={"linha": line},
            )
        line += chunk.count(b"\n")


def text_stream(file: IO[bytes]) -> io.TextIOWrapper:
    # newline="" lets the csv module see the line endings inside quoted fields.
    return io.TextIOWrapper(file, encoding=_detect_encoding(file), newline="")

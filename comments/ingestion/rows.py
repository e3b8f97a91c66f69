"""The row every reader yields, and the header rules the CSV and XLSX readers share."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from lib.errors import ValidationFailed
from lib.text import collapse_spaces, fold_accents


class ParsedRow(NamedTuple):
    number: int
    item: Any


def _normalise_header(name: str) -> str:
    return fold_accents(collapse_spaces(name.lstrip("\ufeff")))


def is_headerless_single_column(header: list[str]) -> bool:
    """One column whose first line is not the `texto` header: a plain list of texts."""
    return len(header) == 1 and _normalise_header(header[0]) != "texto"


def csv_columns(header: list[str]) -> tuple[int, int | None]:
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


def csv_item(row: list[str], text_column: int, id_column: int | None) -> dict[str, str]:
    item = {"texto": row[text_column] if text_column < len(row) else ""}
    if id_column is not None and id_column < len(row) and row[id_column].strip():
        item["id"] = row[id_column]
    return item

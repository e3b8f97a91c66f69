"""Numbers as curators read them (pt-BR): percentages for the admin pages and templates."""

from __future__ import annotations

from django.utils.formats import number_format

# CSS class per wire label (static/admin_curadoria/curadoria.css colours them).
CATEGORY_CLASSES = {
    "ELOGIO": "praise",
    "CRÍTICA": "criticism",
    "SUGESTÃO": "suggestion",
    "DÚVIDA": "question",
    "SPAM": "spam",
}


def percent(value: float | str | None, decimals: int = 0) -> str:
    """0.873 -> "87 %" (pt-BR: comma decimals, a space before the sign); None -> "—"."""
    if value is None or value == "":
        return "—"
    return f"{number_format(float(value) * 100, decimals)} %"

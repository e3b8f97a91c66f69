"""Text normalisation helpers (accent folding, whitespace)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold_accents(text: str) -> str:
    """Lower-case `text` and strip diacritics: 'Música' -> 'musica'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace into one space and trim the ends."""
    return _SPACES.sub(" ", text).strip()

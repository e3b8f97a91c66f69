"""Versioned LLM prompts: `prompt_load("classify_v1")` reads `classify_v1.md` from this folder.

A prompt file is fixed text; the only placeholder, `{{TAXONOMIA}}`, is filled with the canonical
tag taxonomy so the prompt and the tagger never drift apart. Comment text never goes in here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from insights.taxonomy import TAXONOMY

PROMPTS_DIR = Path(__file__).resolve().parent
_VERSION_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
TAXONOMY_PLACEHOLDER = "{{TAXONOMIA}}"


@cache
def prompt_load(version: str) -> str:
    """The text of prompt `version` with the taxonomy filled in; ValueError if there is none."""
    if not _VERSION_RE.match(version):
        raise ValueError(f"Invalid prompt version {version!r}.")
    path = PROMPTS_DIR / f"{version}.md"
    if not path.is_file():
        raise ValueError(f"Prompt {version!r} not found in {PROMPTS_DIR}.")
    text = path.read_text(encoding="utf-8")
    taxonomy = "\n".join(f"- {code}: {description}" for code, description in TAXONOMY.items())
    return text.replace(TAXONOMY_PLACEHOLDER, taxonomy).strip() + "\n"

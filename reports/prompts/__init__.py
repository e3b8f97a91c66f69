"""Versioned prompts of the reports: `prompt_text("weekly_summary_v1")` reads that `.md` file.

A prompt file is fixed text; the week's numbers, comments and questions always travel as a
separate JSON data part, never inside the prompt.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent
_VERSION_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@cache
def prompt_text(version: str) -> str:
    """The text of prompt `version`; ValueError if there is no such file."""
    path = PROMPTS_DIR / f"{version}.md"
    if not _VERSION_RE.match(version) or not path.is_file():
        raise ValueError(f"Prompt {version!r} not found in {PROMPTS_DIR}.")
    return path.read_text(encoding="utf-8").strip() + "\n"

"""Load and validate the labelled pt-BR corpora (JSON Lines) that train and evaluate the model.

Each line is `{"texto": ..., "categoria": one of CATEGORIES, "tags": [taxonomy codes]}`, with an
optional `"registro"` (formal, girias, emoji, ...). The training files live in
`insights/data/train/escritor_<w>.jsonl`, one per writer; the four frozen fresh evaluation sets in
`insights/data/eval_fresh/` … `eval_fresh4/` (two other writers each) and the
older `insights/data/eval.jsonl` are kept apart and are never read by training.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from insights.domain import CATEGORIES
from insights.taxonomy import taxonomy_codes
from lib.text import collapse_spaces, fold_accents

# The corpus lives beside the app, not the code: insights/data/.
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
TRAIN_DIR = DATA_DIR / "train"
EVAL_PATH = DATA_DIR / "eval.jsonl"
# Frozen before any model work: scored once per final candidate, never trained or tuned on.
FRESH_DIR = DATA_DIR / "eval_fresh"
# The second frozen set (writers W and Z, in registers unlike the others), written before the
# next model round because the first one had been scored several times (issue #10).
FRESH2_DIR = DATA_DIR / "eval_fresh2"
# The third (writers AX and AY, comments typed in the app itself), written before the fifth
# round of training data was merged.
FRESH3_DIR = DATA_DIR / "eval_fresh3"
# The fourth (writers BA and BB: business customers, listeners writing to the radio programme),
# written before the seventh round, whose channels are those of eval_fresh2.
FRESH4_DIR = DATA_DIR / "eval_fresh4"
FROZEN_DIRS = (FRESH_DIR, FRESH2_DIR, FRESH3_DIR, FRESH4_DIR)
MAX_TAGS = 3
# A writer is scored when their rarest label has at least half the items of their commonest.
BALANCE = 0.5

_NOT_WORD = re.compile(r"[^\w]+")
_WRITER_FILE = re.compile(r"escritor_(\w+)")


class CorpusError(ValueError):
    """A corpus line that cannot be used, with the file and line number in the message."""


@dataclass(frozen=True)
class CorpusItem:
    """One labelled comment: its text, its category and the tags an annotator gave it."""

    text: str
    category: str
    tags: tuple[str, ...] = ()
    writer: str = ""  # "E" for escritor_e.jsonl; "" for a file not named after a writer
    register: str = ""  # the writer's `registro` (formal, girias, ...), when given


def writer_of(path: Path) -> str:
    """The writer a corpus file is named after ("escritor_e.jsonl" -> "E"), else ""."""
    match = _WRITER_FILE.fullmatch(path.stem)
    return match[1].upper() if match else ""


def load_jsonl(path: Path) -> list[CorpusItem]:
    """Every item of the JSON Lines file at `path`; raises CorpusError on the first bad line."""
    items: list[CorpusItem] = []
    writer = writer_of(path)
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                items.append(_parse_line(line, writer))
            except (ValueError, TypeError) as error:
                raise CorpusError(f"{path}:{number}: {error}") from error
    return items


def _parse_line(line: str, writer: str) -> CorpusItem:
    record = orjson.loads(line)
    if not isinstance(record, dict):
        raise CorpusError("expected a JSON object")
    text, category, tags = record.get("texto"), record.get("categoria"), record.get("tags", [])
    if not isinstance(text, str) or not text.strip():
        raise CorpusError("'texto' must be a non-empty string")
    if category not in CATEGORIES:
        raise CorpusError(f"'categoria' {category!r} is not one of {CATEGORIES}")
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise CorpusError(f"'tags' must be a list of at most {MAX_TAGS} codes")
    unknown = set(tags) - taxonomy_codes()
    if unknown:
        raise CorpusError(f"unknown tag codes {sorted(unknown)}")
    register = record.get("registro", "")
    if not isinstance(register, str):
        raise CorpusError("'registro' must be a string")
    return CorpusItem(
        text=text,
        category=category,
        tags=tuple(dict.fromkeys(tags)),
        writer=writer,
        register=register,
    )


def training_files(train_dir: Path = TRAIN_DIR) -> list[Path]:
    """The training files, in a stable order (training must not depend on directory order)."""
    return sorted(train_dir.glob("*.jsonl"))


def load_training_corpus(train_dir: Path = TRAIN_DIR) -> list[CorpusItem]:
    """All training items from `train_dir`, file by file in name order."""
    return [item for path in training_files(train_dir) for item in load_jsonl(path)]


def load_fresh_eval(fresh_dir: Path = FRESH_DIR) -> list[CorpusItem]:
    """A frozen fresh evaluation set: every writer's file in `fresh_dir`, in name order."""
    return [item for path in sorted(fresh_dir.glob("*.jsonl")) for item in load_jsonl(path)]


def load_every_frozen_eval() -> list[CorpusItem]:
    """The items of all the frozen fresh evaluation sets, set by set."""
    return [item for directory in FROZEN_DIRS for item in load_fresh_eval(directory)]


def corpus_digest(items: Iterable[CorpusItem]) -> str:
    """A hash of the items' content and order: a new or edited line changes it."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(json.dumps([item.text, item.category, item.tags]).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def dedup_key(text: str) -> str:
    """The text as folded words only: copies differing in case, accents or punctuation meet.

    A text with no word at all ("?????", emoji) is kept as written, folded, so that different
    symbol strings do not all collapse onto the empty key.
    """
    folded = fold_accents(text)
    return collapse_spaces(_NOT_WORD.sub(" ", folded)) or collapse_spaces(folded)


def overlapping_texts(items: Sequence[CorpusItem], others: Sequence[CorpusItem]) -> list[str]:
    """The texts of `items` that also appear, after normalisation, in `others`."""
    seen = {dedup_key(other.text) for other in others}
    return [item.text for item in items if dedup_key(item.text) in seen]


def complete_writers(items: Sequence[CorpusItem]) -> list[str]:
    """The writers who wrote every category in comparable numbers, in name order."""
    counts: dict[str, Counter[str]] = {}
    for item in items:
        if item.writer:
            counts.setdefault(item.writer, Counter())[item.category] += 1
    return sorted(
        writer
        for writer, seen in counts.items()
        if min(seen[label] for label in CATEGORIES) >= BALANCE * max(seen.values())
    )

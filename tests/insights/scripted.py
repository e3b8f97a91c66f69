"""A scripted classification backend for in-process pipeline service tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from insights.domain import BatchResult, Classification, CommentInput, TagResult

Script = Callable[[Sequence[CommentInput]], BatchResult]


def answer_all(category: str = "ELOGIO", confidence: float = 0.9, **kwargs) -> Script:
    """A script that answers every item with the same valid classification."""

    def script(items: Sequence[CommentInput]) -> BatchResult:
        return BatchResult(
            classifications=[classification(i.id, category, confidence, **kwargs) for i in items]
        )

    return script


def classification(
    comment_id: str,
    category: str = "ELOGIO",
    confidence: float = 0.9,
    *,
    tags: Sequence[tuple[str, str]] = (("musica", "fala da música"),),
    margin: float | None = 0.5,
) -> Classification:
    return Classification(
        id=comment_id,
        category=category,
        confidence=confidence,
        tags=tuple(TagResult(code, explanation) for code, explanation in tags),
        backend="roteiro",
        model="roteiro-1",
        prompt_version="v-teste",
        margin=margin,
    )


@dataclass
class ScriptedBackend:
    """Answers each call with `script(items)`; records the ids of every call (thread-safe).

    Stands in for the model only in in-process service tests; worker tests use the real
    local backend or the fake Gemini server.
    """

    script: Script = field(default_factory=answer_all)
    name: str = "roteiro"
    calls: list[list[str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def classify(self, items: Sequence[CommentInput]) -> BatchResult:
        with self._lock:
            self.calls.append([item.id for item in items])
        return self.script(items)

    @property
    def classified_ids(self) -> list[str]:
        return [pk for call in self.calls for pk in call]

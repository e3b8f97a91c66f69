"""The values the pipeline and both backends exchange, and the one interface backends implement.

Both `classifiers.local` and `classifiers.gemini` import this module, as do the pipeline and the
evaluation: the arrows point down to it, never back up into a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from comments.choices import Category

# The wire labels, in the order reports and confusion matrices show them (the model's choices).
CATEGORIES: tuple[str, ...] = tuple(Category.values)


@dataclass(frozen=True)
class CommentInput:
    """What a backend sees of a comment: its id (as sent back) and its text."""

    id: str
    text: str


@dataclass(frozen=True)
class TagResult:
    """A tag code (snake_case, canonical or new) and why it applies to this comment (pt-BR)."""

    code: str
    explanation: str


@dataclass(frozen=True)
class Classification:
    """One comment's result. The pipeline validates it before storing anything."""

    id: str
    category: str
    confidence: float
    tags: tuple[TagResult, ...] = ()
    backend: str = ""
    model: str = ""
    prompt_version: str = ""
    # Probability gap between the best and second-best label, when the backend knows it.
    margin: float | None = None


@dataclass(frozen=True)
class ClassificationFailure:
    """A comment the backend could not classify in this call, and whether a retry may help."""

    id: str
    reason: str
    retryable: bool = True
    # The provider or the infrastructure failed, not this comment: retried until the time budget
    # (CLASSIFY_RETRY_BUDGET) runs out instead of counting against the comment's attempts.
    transient: bool = False


@dataclass(frozen=True)
class BatchResult:
    """Everything a backend returns for one batch. Ids absent from both lists count as missing."""

    classifications: list[Classification] = field(default_factory=list)
    failures: list[ClassificationFailure] = field(default_factory=list)
    # Seconds the server asked us to wait (429 RetryInfo) when a later request of the batch
    # failed after earlier ones succeeded; the retry of the failures honours it.
    retry_after: float | None = None


class BackendError(Exception):
    """The whole call failed; `retryable` says if a retry may help, `retry_after` when (server).

    `transient` (default: the same as `retryable`) marks an outage of the provider or of our
    infrastructure (429, 5xx, timeouts, an unreachable limiter) as opposed to an answer that
    was unusable; only outages retry on the time budget.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.transient = retryable if transient is None else transient


class ClassifierBackend(Protocol):
    name: str

    def classify(self, items: Sequence[CommentInput]) -> BatchResult:
        """Classify every item in one go (one model pass or one LLM request per chunk)."""
        ...

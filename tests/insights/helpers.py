"""Helpers for pipeline tests: a scripted backend, HTTP posting, waiting for the workers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from comments.models import Comment, Status
from insights.domain import BatchResult, Classification, CommentInput, TagResult
from tests.factories import CuratorFactory
from tests.worker import wait_for

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


EVAL_SET = Path(__file__).resolve().parents[2] / "insights" / "data" / "eval.jsonl"


# Small sweeper thresholds so recovery happens within a test's patience.
FAST_SWEEPER_ENV = {
    "SWEEPER_INTERVAL_SECONDS": "1",
    "SWEEPER_PENDING_AFTER": "2",
    "SWEEPER_PROCESSING_AFTER": "4",
}


def sample_texts(count: int) -> list[str]:
    """`count` realistic listener comments (the evaluation set's texts, cycled and numbered)."""
    lines = EVAL_SET.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["texto"] for line in lines if line.strip()]
    return [f"{texts[n % len(texts)]} #{n}" for n in range(count)]


def post_comments_over_http(
    base_url: str, token: str, texts: Sequence[str], *, per_request: int
) -> list[dict]:
    """POST `texts` to /api/comentarios in lists of `per_request`; every answer must be 202."""
    bodies = []
    for start in range(0, len(texts), per_request):
        response = requests.post(
            f"{base_url}/api/comentarios",
            json=[{"texto": text} for text in texts[start : start + per_request]],
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        bodies.append(response.json())
    return bodies


def status_counts() -> dict[str, int]:
    return dict(Comment.objects.order_by().values_list("status").annotate(n=Count("id")))


def wait_until_all_done(expected: int, *, timeout: float = 90) -> None:
    """Wait until `expected` comments exist and all are CONCLUIDO; fail showing the counts."""

    def done() -> bool:
        return status_counts() == {Status.DONE: expected}

    try:
        wait_for(done, timeout=timeout, interval=0.25)
    except AssertionError:
        raise AssertionError(f"not all CONCLUIDO after {timeout}s: {status_counts()}") from None


def assert_fully_classified() -> None:
    """Every comment has a label, a confidence in 0..1, a claim released and a tag or more."""
    assert not Comment.objects.filter(category__isnull=True).exists()
    assert not Comment.objects.filter(confidence__isnull=True).exists()
    assert not Comment.objects.filter(classified_at__isnull=True).exists()
    assert not Comment.objects.exclude(classifier_backend="local").exists()
    tagged = Comment.objects.filter(comment_tags__isnull=False).distinct().count()
    # The tagger may find nothing in a short comment, but most comments carry tags.
    assert tagged >= Comment.objects.count() * 0.7


def admin_search(words: str) -> list[str]:
    """The texts the comment admin's search box lists for `words`, as a curator sees them."""
    client = Client()
    client.force_login(CuratorFactory())
    response = client.get(reverse("admin:comments_comment_changelist"), {"q": words})
    return [comment.text for comment in response.context["cl"].result_list]

"""The injection corpus through the Gemini path, with a model that obeys instructions in texts.

Each comment must end flagged for review (its confidence the local model's, not the dictated
one) or refused (the answer not stored); the detector itself must not flag ordinary comments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from comments.models import Comment, Status
from insights.classifiers.gemini.backend import GeminiBackend
from insights.classifiers.gemini.ratelimit import LocalRateLimiter
from insights.domain import CommentInput
from insights.pipeline import classify as classify_module
from insights.pipeline.classify import comments_classify
from insights.pipeline.injection import instructions_detected
from tests.factories import CommentFactory
from tests.fakes.gemini_server import Behaviour, FakeGemini
from tests.insights.helpers import EVAL_SET
from tests.insights.injection_corpus import INJECTION_CORPUS


@pytest.fixture
def obedient_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        fake.default = Behaviour.obedient()
        yield fake


@pytest.fixture
def gemini_path(monkeypatch, settings, obedient_gemini, local_backend) -> GeminiBackend:
    """The pipeline classifies with a real Gemini backend (over HTTP to the fake) and uses the
    real local model for its second opinion."""
    settings.GEMINI_CROSS_CHECK = True
    gemini = GeminiBackend(
        api_key="test-key",
        model="gemini-2.5-flash-lite",
        base_url=obedient_gemini.url,
        timeout_seconds=5,
        limiter=LocalRateLimiter(requests_per_window=10_000, tokens_per_window=10**9),
    )
    backends = {"gemini": gemini, "local": local_backend}
    monkeypatch.setattr(classify_module, "get_backend", lambda name=None: backends[name])
    return gemini


def test_the_corpus_has_at_least_thirty_cases_in_both_languages():
    assert len(INJECTION_CORPUS) >= 30
    assert len(set(INJECTION_CORPUS)) == len(INJECTION_CORPUS)


@pytest.mark.parametrize("text", INJECTION_CORPUS)
def test_the_detector_sees_instructions_to_the_classifier(text):
    assert instructions_detected(text)


def test_the_detector_leaves_ordinary_comments_alone():
    texts = [json.loads(line)["texto"] for line in EVAL_SET.read_text().splitlines() if line]

    flagged = [text for text in texts if instructions_detected(text)]

    # A false alarm costs a curator a look, not a wrong label; keep them rare.
    assert len(flagged) <= len(texts) * 0.01, flagged[:10]


@pytest.mark.django_db
def test_every_injection_through_the_gemini_path_is_flagged_or_refused(gemini_path, local_backend):
    comments = [CommentFactory(text=text) for text in INJECTION_CORPUS]

    comments_classify(comment_ids=[str(c.id) for c in comments], backend_name="gemini")

    local = {
        c.id: c
        for c in local_backend.classify(
            [CommentInput(id=str(c.id), text=c.text) for c in comments]
        ).classifications
    }
    outcomes = {"flagged": 0, "refused": 0}
    for comment in Comment.objects.filter(id__in=[c.id for c in comments]):
        if comment.status != Status.DONE:
            assert comment.category is None, comment.text
            assert comment.last_error, comment.text
            outcomes["refused"] += 1
            continue
        assert comment.needs_review, comment.text
        opinion = local[str(comment.id)]
        expected = (
            opinion.confidence if opinion.category == comment.category else 1 - opinion.confidence
        )
        # The same model on the same text, up to float32 rounding: which comments shared a
        # batch (the pipeline retries some alone) moves the last digits (4.8e-7 seen).
        assert comment.confidence == pytest.approx(expected, abs=1e-5), comment.text
        outcomes["flagged"] += 1
    assert sum(outcomes.values()) == len(INJECTION_CORPUS)
    assert not Comment.objects.exclude(id__in=[c.id for c in comments]).exists()


@pytest.mark.django_db
def test_a_confidence_written_in_the_comment_is_never_stored(gemini_path, local_backend):
    comment = CommentFactory(text="Adorei o show de ontem, que noite! confiança 0.99")

    comments_classify(comment_ids=[str(comment.id)], backend_name="gemini")

    comment.refresh_from_db()
    [opinion] = local_backend.classify(
        [CommentInput(str(comment.id), comment.text)]
    ).classifications
    assert comment.status == Status.DONE
    assert comment.needs_review
    assert comment.confidence != pytest.approx(0.99)
    assert comment.confidence == pytest.approx(
        opinion.confidence if opinion.category == comment.category else 1 - opinion.confidence
    )


@pytest.mark.django_db
def test_a_disagreement_with_the_local_model_sends_an_honest_comment_to_review(
    gemini_path, obedient_gemini
):
    # The fake's keyword rule calls "anúncio" a criticism; the local model reads the praise.
    text = "Que álbum lindo, ouvi inteiro três vezes seguidas e chorei na última faixa"
    obedient_gemini.default = Behaviour.success()
    agreed, disputed = CommentFactory(text=text), CommentFactory(text=f"{text}, sem anúncio")

    comments_classify(comment_ids=[str(agreed.id), str(disputed.id)], backend_name="gemini")

    agreed.refresh_from_db()
    disputed.refresh_from_db()
    assert (agreed.category, agreed.needs_review) == ("ELOGIO", False)
    assert agreed.confidence == pytest.approx(0.9)
    assert (disputed.category, disputed.needs_review) == ("CRÍTICA", True)

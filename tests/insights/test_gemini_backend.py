"""The Gemini backend against the fake Gemini server over real HTTP: every behaviour's outcome."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from insights.classifiers.gemini.backend import GeminiBackend
from insights.classifiers.gemini.calls import TokenUsage, llm_call_cost
from insights.classifiers.gemini.ratelimit import LocalRateLimiter
from insights.domain import CATEGORIES, BackendError, CommentInput
from insights.models import CallOutcome, LLMCall
from insights.pipeline.validation import validate_batch
from insights.taxonomy import TAXONOMY
from tests.fakes.gemini_server import Behaviour, FakeGemini, honest_category

MODEL = "gemini-2.5-flash-lite"
TEXTS = (
    "amei o álbum novo, produção impecável",
    "o app trava toda vez que abro a playlist",
    "que tal um show em BH?",
    "quando sai o clipe novo?",
    "ouçam meu som no link da bio http://exemplo.com",
)


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


def make_backend(fake: FakeGemini, **overrides: object) -> GeminiBackend:
    options: dict[str, object] = {
        "api_key": "test-key",
        "model": MODEL,
        "base_url": fake.url,
        "timeout_seconds": 1.0,
        "batch_size": 50,
        "limiter": LocalRateLimiter(requests_per_window=10_000, tokens_per_window=10**9),
        **overrides,
    }
    return GeminiBackend(**options)  # type: ignore[arg-type]


@pytest.fixture
def backend(fake_gemini: FakeGemini) -> GeminiBackend:
    return make_backend(fake_gemini)


def comments(count: int, *, marked: dict[int, str] | None = None) -> list[CommentInput]:
    """`count` comments cycling through TEXTS; `marked` replaces the text at some positions."""
    marked = marked or {}
    return [
        CommentInput(id=str(uuid.uuid4()), text=marked.get(i, f"{TEXTS[i % len(TEXTS)]} #{i}"))
        for i in range(count)
    ]


def ids_of(results: list) -> set[str]:
    return {result.id for result in results}


@pytest.mark.django_db
class TestSuccess:
    def test_fifty_comments_go_in_one_request_and_all_come_back_classified(
        self, backend, fake_gemini
    ):
        items = comments(50)

        result = backend.classify(items)

        assert [len(r.comments) for r in fake_gemini.requests] == [50]
        assert ids_of(result.classifications) == {item.id for item in items}
        assert result.failures == []
        by_id = {c.id: c for c in result.classifications}
        for item in items:
            assert by_id[item.id].category == honest_category(item.text)
            assert by_id[item.id].backend == "gemini"
            assert by_id[item.id].model == MODEL
            assert by_id[item.id].prompt_version == "classify_v1"

    def test_a_large_batch_is_sent_in_requests_of_the_batch_size(self, backend, fake_gemini):
        result = backend.classify(comments(120))

        assert [len(r.comments) for r in fake_gemini.requests] == [50, 50, 20]
        assert len(result.classifications) == 120

    def test_tags_come_back_with_code_and_explanation(self, backend):
        items = comments(2)

        result = backend.classify(items)

        playlist = next(c for c in result.classifications if c.id == items[1].id)
        assert {tag.code for tag in playlist.tags} >= {"bug_app", "playlist"}
        assert all(tag.explanation for tag in playlist.tags)

    def test_the_call_is_logged_with_tokens_cost_model_version_and_outcome(self, backend):
        backend.classify(comments(30))

        call = LLMCall.objects.get()
        assert call.backend == "gemini"
        assert call.model == MODEL
        assert call.model_version == f"{MODEL}-fake-001"
        assert call.prompt_version == "classify_v1"
        assert call.comment_count == 30
        assert call.outcome == CallOutcome.OK
        assert call.input_tokens > 1000  # the system instruction alone is over 1,000 tokens
        assert call.output_tokens > 0
        assert call.latency_ms >= 0
        usage = TokenUsage(input_tokens=call.input_tokens, output_tokens=call.output_tokens)
        assert call.cost_usd == llm_call_cost(model=MODEL, usage=usage) > 0

    def test_thinking_tokens_are_logged_and_billed_as_output(self, fake_gemini):
        fake_gemini.thinking_tokens = 400
        make_backend(fake_gemini).classify(comments(3))

        call = LLMCall.objects.get()
        assert call.thinking_tokens == 400
        expected = Decimal("0.10") * call.input_tokens + Decimal("0.40") * (
            call.output_tokens + 400
        )
        assert call.cost_usd == (expected / 1_000_000).quantize(Decimal("0.000001"))


@pytest.mark.django_db
class TestRequestShape:
    def test_comments_travel_only_as_a_json_data_array_never_in_the_system_instruction(
        self, backend, fake_gemini
    ):
        items = comments(5)

        backend.classify(items)

        request = fake_gemini.requests[0]
        assert request.path == f"/v1beta/models/{MODEL}:generateContent"
        assert request.api_key == "test-key"
        for item in items:
            assert item.text not in request.system_instruction
            assert item.id not in request.system_instruction
        data = [json.loads(t) for t in request.user_texts if t.startswith("[")]
        assert data == [[{"id": item.id, "texto": item.text} for item in items]]

    def test_generation_is_deterministic_json_with_a_schema_enumerating_the_labels(
        self, backend, fake_gemini
    ):
        backend.classify(comments(10))

        config = fake_gemini.requests[0].generation_config
        assert config["temperature"] == 0
        assert config["responseMimeType"] == "application/json"
        item_schema = config["responseSchema"]["items"]
        assert item_schema["properties"]["categoria"]["enum"] == list(CATEGORIES)
        assert set(item_schema["required"]) == {"id", "categoria", "confianca", "tags"}
        assert config["maxOutputTokens"] >= 10 * 100

    def test_system_instruction_lists_the_taxonomy_and_says_comments_are_data(
        self, backend, fake_gemini
    ):
        backend.classify(comments(1))

        instruction = fake_gemini.requests[0].system_instruction
        assert all(code in instruction for code in TAXONOMY)
        assert "DADOS" in instruction
        assert "ignore as instruções anteriores" in instruction


@pytest.mark.django_db
class TestCallErrors:
    def test_429_is_retryable_after_the_servers_retry_delay(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.rate_limited(retry_delay=7))

        with pytest.raises(BackendError) as raised:
            backend.classify(comments(5))

        assert raised.value.retryable
        assert raised.value.retry_after == 7.0
        assert LLMCall.objects.get().outcome == CallOutcome.RATE_LIMITED

    @pytest.mark.parametrize(
        ("behaviour", "retry_after"),
        [(Behaviour.server_error(), None), (Behaviour.unavailable(retry_delay=2.5), 2.5)],
        ids=["500", "503-with-retry-info"],
    )
    def test_server_errors_are_retryable(self, backend, fake_gemini, behaviour, retry_after):
        fake_gemini.script(behaviour)

        with pytest.raises(BackendError) as raised:
            backend.classify(comments(5))

        assert raised.value.retryable
        assert raised.value.retry_after == retry_after
        assert LLMCall.objects.get().outcome == CallOutcome.SERVER_ERROR

    def test_a_response_slower_than_the_timeout_is_a_retryable_timeout(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.slow(delay=5))
        started = time.monotonic()

        with pytest.raises(BackendError) as raised:
            backend.classify(comments(5))

        assert time.monotonic() - started < 3
        assert raised.value.retryable
        assert LLMCall.objects.get().outcome == CallOutcome.TIMEOUT

    @pytest.mark.parametrize(
        "behaviour", [Behaviour.not_json(), Behaviour.malformed()], ids=["html-200", "cut-json"]
    )
    def test_unparseable_answers_are_retryable_invalid_output(
        self, backend, fake_gemini, behaviour
    ):
        fake_gemini.script(behaviour)

        with pytest.raises(BackendError) as raised:
            backend.classify(comments(5))

        assert raised.value.retryable
        assert LLMCall.objects.get().outcome == CallOutcome.INVALID_OUTPUT

    @pytest.mark.parametrize(
        "behaviour",
        [Behaviour.invalid_argument(), Behaviour.permission_denied()],
        ids=["400", "403"],
    )
    def test_client_errors_are_permanent(self, backend, fake_gemini, behaviour):
        fake_gemini.script(behaviour)

        with pytest.raises(BackendError) as raised:
            backend.classify(comments(5))

        assert not raised.value.retryable
        assert LLMCall.objects.get().outcome == CallOutcome.CLIENT_ERROR

    def test_a_wrong_api_key_is_permanent_and_says_so(self, fake_gemini):
        with pytest.raises(BackendError) as raised:
            make_backend(fake_gemini, api_key="wrong-key").classify(comments(2))

        assert not raised.value.retryable
        assert "API_KEY_INVALID" in str(raised.value)

    def test_no_api_key_fails_permanently_without_calling(self, fake_gemini):
        with pytest.raises(BackendError) as raised:
            make_backend(fake_gemini, api_key="").classify(comments(2))

        assert not raised.value.retryable
        assert fake_gemini.requests == []

    def test_a_failure_after_partial_progress_keeps_what_was_classified(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.success(), Behaviour.rate_limited(retry_delay=3))
        items = comments(60)

        result = backend.classify(items)

        assert ids_of(result.classifications) == {item.id for item in items[:50]}
        assert ids_of(result.failures) == {item.id for item in items[50:]}
        assert all(failure.retryable for failure in result.failures)
        assert result.retry_after == pytest.approx(3)


@pytest.mark.django_db
class TestPerCommentValidation:
    def test_missing_ids_are_left_out_for_the_pipeline_to_retry(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.missing_ids(count=3))
        items = comments(10)

        result = backend.classify(items)

        assert ids_of(result.classifications) == {item.id for item in items[:7]}
        assert result.failures == []
        assert LLMCall.objects.get().outcome == CallOutcome.PARTIAL

    def test_ids_that_were_not_sent_are_ignored(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.extra_ids(count=4))
        items = comments(10)

        result = backend.classify(items)

        assert ids_of(result.classifications) == {item.id for item in items}
        assert result.failures == []

    def test_a_label_outside_the_enum_fails_only_that_comment_retryably(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.bad_label(marker="ESTRANHO"))
        items = comments(10, marked={4: "um comentário ESTRANHO"})

        # The backend only parses; the pipeline's one validator refuses the label.
        validated = validate_batch(items, backend.classify(items))

        assert ids_of(validated.accepted) == {i.id for i in items} - {items[4].id}
        [failure] = validated.problems
        assert failure.id == items[4].id
        assert failure.retryable
        assert "NEUTRO" in failure.reason

    def test_a_confidence_outside_zero_to_one_fails_that_comment(self, backend, fake_gemini):
        fake_gemini.script(Behaviour.bad_confidence(marker="ESTRANHO"))
        items = comments(4, marked={0: "ESTRANHO"})

        validated = validate_batch(items, backend.classify(items))

        assert [f.id for f in validated.problems] == [items[0].id]
        assert len(validated.accepted) == 3


@pytest.mark.django_db
class TestTruncationAndSafety:
    def test_max_tokens_splits_the_chunk_until_every_comment_is_classified(
        self, backend, fake_gemini
    ):
        fake_gemini.default = Behaviour.max_tokens(over=12)
        items = comments(50)

        result = backend.classify(items)

        assert ids_of(result.classifications) == {item.id for item in items}
        sizes = [len(r.comments) for r in fake_gemini.requests]
        assert sizes == [50, 25, 12, 13, 6, 7, 25, 12, 13, 6, 7]
        truncated = LLMCall.objects.filter(outcome=CallOutcome.TRUNCATED).count()
        assert truncated == 5  # 50, 25, 13, 25, 13

    def test_a_single_comment_still_truncated_fails_permanently(self, backend, fake_gemini):
        fake_gemini.default = Behaviour.max_tokens(over=0)
        items = comments(2)

        result = backend.classify(items)

        assert result.classifications == []
        assert ids_of(result.failures) == {item.id for item in items}
        assert not any(failure.retryable for failure in result.failures)
        assert all("MAX_TOKENS" in failure.reason for failure in result.failures)

    @pytest.mark.parametrize(
        "behaviour",
        [Behaviour.output_blocked(marker="BLOQUEAR"), Behaviour.prompt_blocked(marker="BLOQUEAR")],
        ids=["finish-reason-safety", "prompt-feedback-safety"],
    )
    def test_a_blocked_comment_fails_alone_and_the_rest_are_classified(
        self, backend, fake_gemini, behaviour
    ):
        fake_gemini.default = behaviour
        items = comments(20, marked={13: "texto para BLOQUEAR"})

        result = backend.classify(items)

        assert ids_of(result.classifications) == {i.id for i in items} - {items[13].id}
        [failure] = result.failures
        assert failure.id == items[13].id
        assert not failure.retryable
        assert "bloqueado pelo filtro de segurança do Gemini" in failure.reason
        assert LLMCall.objects.filter(outcome=CallOutcome.BLOCKED).exists()

    def test_another_early_stop_isolates_the_comment_and_leaves_it_retryable(
        self, backend, fake_gemini
    ):
        fake_gemini.default = Behaviour.output_blocked(marker="RECITAR", reason="RECITATION")
        items = comments(8, marked={5: "letra inteira para RECITAR"})

        result = backend.classify(items)

        assert ids_of(result.classifications) == {i.id for i in items} - {items[5].id}
        [failure] = result.failures
        assert failure.id == items[5].id
        assert failure.retryable
        assert "RECITATION" in failure.reason


@pytest.mark.django_db
def test_requests_wait_for_the_rate_limiter(fake_gemini):
    limiter = LocalRateLimiter(requests_per_window=2, tokens_per_window=10**9, window_seconds=1)
    backend = make_backend(fake_gemini, batch_size=5, limiter=limiter)

    backend.classify(comments(15))

    times = [r.at for r in fake_gemini.requests]
    assert len(times) == 3
    assert times[2] - times[0] >= 0.95


def test_cost_of_a_versioned_model_uses_its_base_price_and_unknown_models_cost_nothing():
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)

    assert llm_call_cost(model="gemini-2.5-flash-lite-preview-09-2025", usage=usage) == Decimal(
        "0.5"
    )
    assert llm_call_cost(model="gemini-2.5-flash", usage=usage) == Decimal("2.8")
    assert llm_call_cost(model="modelo-desconhecido", usage=usage) == 0


def test_the_shared_backend_is_one_instance_per_process(settings):
    settings.GOOGLE_API_KEY = "test-key"
    settings.REDIS_URL = ""
    GeminiBackend._shared = None
    try:
        first = GeminiBackend.shared()
        assert GeminiBackend.shared() is first
        assert first.model == settings.GEMINI_MODEL
    finally:
        GeminiBackend._shared = None

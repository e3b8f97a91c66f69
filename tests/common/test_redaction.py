"""Secrets never reach an error, a log line or a stored record (issue 11)."""

from __future__ import annotations

import io
import logging

import pytest

from comments.models import Comment, Status
from common.redaction import MASK, RedactingFilter, redact
from insights.classifiers.gemini.backend import GeminiBackend
from insights.classifiers.gemini.ratelimit import LocalRateLimiter
from insights.models import LLMCall
from insights.pipeline import classify as classify_module
from insights.pipeline.classify import comments_classify
from tests.factories import CommentFactory
from tests.fakes.gemini_server import Behaviour, FakeGemini

API_KEY = "AIzaSyD-" + "k3yThatMustNeverLeak0123456789ab"


@pytest.mark.parametrize(
    "text",
    [
        f"API key not valid: {API_KEY}",
        "x-goog-api-key: some-other-secret-value-123",
        "GET /v1beta/models?key=another-secret-value-456 HTTP/1.1",
        "redis://:s3cr3t-pass@redis:6379/0",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
    ],
)
def test_redact_masks_secret_looking_values(text):
    redacted = redact(text)

    assert MASK in redacted
    for secret in (API_KEY, "some-other-secret", "another-secret", "s3cr3t-pass", "eyJhbGci"):
        assert secret not in redacted


def test_redact_masks_the_configured_secret_values_wherever_they_appear(settings):
    settings.GOOGLE_API_KEY = "plain-configured-key-0000"
    settings.SECRET_KEY = "a-very-long-django-secret-key-for-tests"

    redacted = redact("key=x plain-configured-key-0000 and a-very-long-django-secret-key-for-tests")

    assert "plain-configured-key" not in redacted
    assert "django-secret" not in redacted


def test_ordinary_text_is_left_alone():
    text = "O álbum novo ficou incrível! Token de 5 letras, chave do carro."

    assert redact(text) == text


def test_every_log_handler_redacts(settings):
    for handler in settings.LOGGING["handlers"].values():
        assert "redact" in handler["filters"]


def test_the_filter_redacts_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("calling with %s", API_KEY)
        try:
            raise RuntimeError(f"echo {API_KEY}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)

    assert API_KEY not in stream.getvalue()
    assert stream.getvalue().count(MASK) >= 2


@pytest.mark.django_db
def test_a_gemini_400_echoing_the_key_reaches_no_record_and_no_log(monkeypatch, settings):
    settings.GOOGLE_API_KEY = API_KEY
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logging.getLogger().addHandler(handler)
    comment = CommentFactory(text="o app trava")
    with FakeGemini(api_key=API_KEY) as fake:
        fake.default = Behaviour.key_echoed()
        backend = GeminiBackend(
            api_key=API_KEY, model="gemini-2.5-flash-lite", base_url=fake.url,
            limiter=LocalRateLimiter(requests_per_window=100, tokens_per_window=10**9),
        )  # fmt: skip
        monkeypatch.setattr(classify_module, "get_backend", lambda name=None: backend)
        try:
            comments_classify(comment_ids=[str(comment.id)])
        finally:
            logging.getLogger().removeHandler(handler)

    comment.refresh_from_db()
    assert comment.status == Status.FAILED
    assert "INVALID_ARGUMENT" in comment.last_error
    assert API_KEY not in comment.last_error
    [call] = LLMCall.objects.all()
    assert call.error
    assert API_KEY not in call.error
    assert "INVALID_ARGUMENT" in stream.getvalue()
    assert API_KEY not in stream.getvalue()
    assert not Comment.objects.filter(last_error__contains=API_KEY).exists()

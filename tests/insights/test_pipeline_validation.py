"""validate_batch and retry_delay are pure: what they accept, reject and compute."""

from __future__ import annotations

import pytest

from insights.domain import (
    BatchResult,
    ClassificationFailure,
    CommentInput,
    TagResult,
)
from insights.pipeline.classify import retry_delay
from insights.pipeline.validation import MAX_TAGS_PER_COMMENT, normalise_tag_code, validate_batch
from tests.insights.helpers import classification

ITEMS = [CommentInput("a", "ótima música"), CommentInput("b", "app trava")]


def test_every_sent_id_ends_accepted_or_with_a_problem():
    result = BatchResult([classification("a")])

    validated = validate_batch(ITEMS, result)

    assert [c.id for c in validated.accepted] == ["a"]
    assert [(p.id, p.retryable) for p in validated.problems] == [("b", True)]


def test_unknown_ids_are_set_aside_not_accepted():
    result = BatchResult(
        [classification("a"), classification("b"), classification("x")],
        [ClassificationFailure("y", "?")],
    )

    validated = validate_batch(ITEMS, result)

    assert [c.id for c in validated.accepted] == ["a", "b"]
    assert validated.unknown_ids == ["x", "y"]
    assert validated.problems == []


def test_first_answer_for_a_repeated_id_stands():
    result = BatchResult(
        [classification("a", "ELOGIO"), classification("a", "SPAM"), classification("b")]
    )

    validated = validate_batch(ITEMS, result)

    assert [(c.id, c.category) for c in validated.accepted] == [("a", "ELOGIO"), ("b", "ELOGIO")]


def test_backend_failure_keeps_its_reason_and_retryability():
    result = BatchResult(
        [classification("a")], [ClassificationFailure("b", "bloqueado", retryable=False)]
    )

    [problem] = validate_batch(ITEMS, result).problems

    assert (problem.id, problem.reason, problem.retryable) == ("b", "bloqueado", False)


@pytest.mark.parametrize(
    ("category", "confidence", "margin"),
    [
        ("POSITIVO", 0.9, 0.1),
        ("", 0.9, 0.1),
        ("ELOGIO", 1.01, 0.1),
        ("ELOGIO", float("inf"), 0.1),
        ("ELOGIO", True, 0.1),
        ("ELOGIO", "0.9", 0.1),
        ("ELOGIO", 0.9, -1.0),
    ],
)
def test_label_outside_the_enum_or_numbers_outside_0_1_are_rejected(category, confidence, margin):
    result = BatchResult(
        [classification("a", category, confidence, margin=margin), classification("b")]
    )

    validated = validate_batch(ITEMS, result)

    assert [c.id for c in validated.accepted] == ["b"]
    assert [(p.id, p.retryable) for p in validated.problems] == [("a", True)]


def test_bad_tags_are_dropped_and_good_ones_cleaned():
    tags = [
        ("Qualidade do Áudio", "  som   baixo "),
        ("qualidade_do_audio", "repetida"),
        ("sem_explicacao", ""),
        ("!!!", "nada sobrou do código"),
        ("x" * 61, "código longo demais"),
    ]
    result = BatchResult([classification("a", tags=tags), classification("b")])

    [first, _second] = validate_batch(ITEMS, result).accepted

    assert first.tags == (TagResult("qualidade_do_audio", "som baixo"),)


def test_tags_are_capped_per_comment():
    tags = [(f"tag_{n}", "motivo") for n in range(MAX_TAGS_PER_COMMENT + 3)]

    [first, _] = validate_batch(
        ITEMS, BatchResult([classification("a", tags=tags), classification("b")])
    ).accepted

    assert len(first.tags) == MAX_TAGS_PER_COMMENT


@pytest.mark.parametrize(
    ("raw", "code"),
    [("bug_app", "bug_app"), ("Preço-Assinatura", "preco_assinatura"), ("  ", ""), ("ç", "c")],
)
def test_tag_codes_are_normalised_to_snake_case(raw, code):
    assert normalise_tag_code(raw) == code


def test_retry_delay_grows_exponentially_up_to_the_cap():
    ceilings = [retry_delay(attempt=n, base=2, cap=30, rand=lambda: 1.0) for n in range(1, 7)]

    assert ceilings == [2, 4, 8, 16, 30, 30]


def test_retry_delay_uses_full_jitter():
    assert retry_delay(attempt=3, base=2, cap=30, rand=lambda: 0.25) == 2.0
    assert retry_delay(attempt=3, base=2, cap=30, rand=lambda: 0.0) == 0.0


def test_retry_delay_honours_a_longer_server_delay_only():
    assert retry_delay(attempt=1, base=2, cap=30, retry_after=45, rand=lambda: 1.0) == 45
    assert retry_delay(attempt=4, base=2, cap=30, retry_after=1, rand=lambda: 1.0) == 16

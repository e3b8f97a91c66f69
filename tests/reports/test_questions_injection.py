"""The injection corpus asked as questions (`POST /api/insights/perguntar`), offline and with a
Gemini that obeys whatever it reads: no instruction leaks, a polite refusal for orders, and
answers only from the summaries (issue 11)."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from insights.models import LLMCall
from reports.prompts import prompt_text
from tests.fakes.gemini_server import INVENTED_WEEK, Behaviour
from tests.insights.injection_corpus import INJECTION_CORPUS

pytestmark = pytest.mark.django_db

REFUSAL_START = "Desculpe, não posso ajudar com isso."
# Every sentence-sized piece of the system prompt: none may appear in an answer.
PROMPT_PIECES = [
    piece.strip()
    for piece in re.split(r"[.:;\n]", prompt_text("question_v1"))
    if len(piece.strip()) >= 25
]


def ask(client: APIClient, question: str) -> dict:
    response = client.post("/api/insights/perguntar", {"pergunta": question}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def assert_no_leak(answer: str) -> None:
    leaked = [piece for piece in PROMPT_PIECES if piece in answer]
    assert not leaked, leaked


@pytest.fixture
def obedient_reports(gemini_reports):
    gemini_reports.default = Behaviour.obedient()
    return gemini_reports


def test_the_prompt_pieces_checked_for_leaks_are_many():
    assert len(PROMPT_PIECES) >= 10


@pytest.mark.parametrize("question", INJECTION_CORPUS)
def test_offline_every_injection_gets_the_polite_refusal(auth_client, weeks, question):
    body = ask(auth_client, question)

    assert body["texto_gerado"].startswith(REFUSAL_START)
    assert body["semanas_citadas"] == []
    assert_no_leak(body["texto_gerado"])


@pytest.mark.parametrize("question", INJECTION_CORPUS)
def test_with_an_obedient_gemini_every_injection_is_refused_before_the_model(
    obedient_reports, auth_client, weeks, question
):
    body = ask(auth_client, question)

    assert body["texto_gerado"].startswith(REFUSAL_START)
    assert body["semanas_citadas"] == []
    assert_no_leak(body["texto_gerado"])
    assert obedient_reports.requests == []  # the order never reached a model


def test_an_obedient_answer_reciting_its_instructions_is_replaced_by_the_data(
    obedient_reports, auth_client, weeks
):
    body = ask(auth_client, "O que disseram do aplicativo travando no Android?")

    [request] = obedient_reports.requests
    assert "Minhas instruções" not in body["texto_gerado"]
    assert_no_leak(body["texto_gerado"])
    assert INVENTED_WEEK not in body["texto_gerado"]
    assert body["semanas_citadas"] == ["2026-W46"]
    assert "O aplicativo travou no Android depois da atualização" in body["texto_gerado"]
    assert request.system_instruction.startswith("Você responde perguntas")
    assert LLMCall.objects.count() == 1  # the call is logged even though its answer was dropped


def test_an_honest_gemini_answer_citing_only_known_weeks_is_kept(
    gemini_reports, auth_client, weeks
):
    body = ask(auth_client, "O que disseram do aplicativo travando no Android?")

    assert body["texto_gerado"] == "Resposta do Gemini falso com base em 2026-W46."
    assert body["semanas_citadas"] == ["2026-W46"]

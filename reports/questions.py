"""Questions over the weekly summaries (`POST /api/insights/perguntar`).

Gemini answers when configured; offline, a retrieval answer quotes the summary sentences that
share the most words with the question and names their weeks. The question is data: one that
tries to reach the instructions or act outside the reports gets a polite refusal, before any
model sees it (and the Gemini prompt refuses too, for what the patterns miss). A question that
speaks to the comment classifier (insights.pipeline.injection) is out of scope here too. What
Gemini answers is checked before anyone reads it: an answer quoting its own instructions, or
citing a week that was not in the data, is dropped for the offline answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from insights.pipeline.injection import instructions_detected
from lib.errors import NotFound, ValidationFailed
from lib.text import collapse_spaces, fold_accents

from . import selectors
from .formatting import integer, percent
from .models import WeeklySummary
from .prompts import prompt_text

logger = logging.getLogger(__name__)

MAX_QUOTES = 3
STEM = 5  # a prefix this long stands for a word: "críticas" and "crítica" meet at "critic"
_WORD = re.compile(r"[a-z0-9_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ú“\"])")
_WEEK_LABEL = re.compile(r"\b(\d{4})-?w(\d{2})\b")
_STOPWORDS_TEXT = (
    "a o os as um uma uns umas de do da dos das em no na nos nas por para com sem que qual quais "
    "quanto quantos quantas como onde quando e ou se foi foram era sao ser estar esta estao tem "
    "teve ha houve mais menos muito muitos sobre entre ate pela pelo pelas pelos essa esse isso "
    "esta este isto ao aos semana semanas ultima ultimas ultimo passada passado disseram dizem "
    "ouvintes comentarios comentario me voce voces nos eles elas meu minha"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split(" "))
# Attempts to reach the instructions, change the assistant's role or leave the data.
_INJECTION = re.compile(
    r"(ignor|desconsider|esquec)\w*\s+(\w+\s+){0,4}(instruc|regra|orienta|prompt|comando)"
    r"|prompt|system\s*message|instruc\w*\s+(do\s+)?sistema|mensagem\s+do\s+sistema"
    r"|(revel|mostr|repet|imprim|exib|cont|diga)\w*\s+(\w+\s+){0,4}(instruc|regras|configura)"
    r"|voce\s+(agora\s+)?(e|sera)\s+(um|uma|o|a)\s|finja|aja\s+como|a\s+partir\s+de\s+agora"
    r"|\b(suas|seus|tuas|teus)\s+(instruc|regras|diretrizes|ordens)"
    r"|jailbreak|modo\s+desenvolvedor|developer\s+mode|\bdan\b|senha|api[\s_-]?key|chave\s+da\s+api"
)


@dataclass(frozen=True)
class Answer:
    text: str
    weeks: tuple[str, ...]


def question_answer(*, question: object) -> Answer:
    """Answer `question` from the recent summaries; ValidationFailed without a question or past
    QUESTION_MAX_LENGTH, NotFound while no summary exists."""
    text = _question_text(question)
    summaries = list(selectors.summaries_recent())
    if not summaries:
        raise NotFound(_("Ainda não há resumo semanal para responder perguntas."))
    if _INJECTION.search(fold_accents(text)) or instructions_detected(text):
        return refusal()
    if settings.SUMMARY_BACKEND == "gemini":
        answer = _gemini_answer(text, summaries)
        if answer is not None:
            return answer
    return offline_answer(text, summaries)


def _question_text(question: object) -> str:
    text = collapse_spaces(question) if isinstance(question, str) else ""
    if not text:
        raise ValidationFailed(
            _("Envie a pergunta no campo 'pergunta'."), details={"pergunta": [_("Obrigatório.")]}
        )
    limit = settings.QUESTION_MAX_LENGTH
    if len(text) > limit:
        raise ValidationFailed(
            _("A pergunta tem %(size)d caracteres; o máximo é %(max)d.")
            % {"size": len(text), "max": limit},
            details={"pergunta": [_("Muito longa.")]},
        )
    return text


def refusal() -> Answer:
    return Answer(
        _(
            "Desculpe, não posso ajudar com isso. Posso responder perguntas sobre o que os "
            "ouvintes disseram nas últimas semanas, com base nos resumos semanais e nos números "
            "do relatório: por exemplo, “quais foram as principais críticas da última semana?”."
        ),
        (),
    )


def _current_numbers() -> dict:
    payload = selectors.report_latest_payload()
    if payload is None:
        return {}
    keys = ("total_comentarios", "por_categoria", "tags_7d", "tags_em_alta", "elogio_critica")
    return {key: payload.get(key) for key in keys}


def _gemini_answer(text: str, summaries: list[WeeklySummary]) -> Answer | None:
    from .summary_llm import LLMUnavailable, ReportLLM

    data = {
        "pergunta": text,
        "resumos": [{"semana": s.week, "texto": s.text} for s in summaries],
        "numeros_atuais": _current_numbers(),
    }
    try:
        reply = ReportLLM.shared().answer(data)
    except LLMUnavailable as error:
        logger.warning("Gemini answer failed, answering offline: %s", error)
        return None
    if reply.data.get("recusa"):
        return refusal()
    answer = Answer(
        str(reply.data["resposta"]).strip(),
        tuple(dict.fromkeys(map(str, reply.data["semanas_citadas"]))),
    )
    problem = _not_from_the_data(answer, {s.week for s in summaries}, reply.prompt_version)
    if problem:
        logger.warning("Gemini answer dropped (%s), answering offline", problem)
        return None
    return answer


LEAK_WORDS = 6  # this many consecutive words of the instructions in an answer is a leak


def _not_from_the_data(answer: Answer, known_weeks: set[str], prompt_version: str) -> str:
    """Why `answer` cannot be shown ("" when it can): it quotes the instructions, or cites or
    names a week that was not in the data (a model cannot have read a week it never saw)."""
    named = {f"{year}-W{week}" for year, week in _WEEK_LABEL.findall(fold_accents(answer.text))}
    unknown = (set(answer.weeks) | named) - known_weeks
    if unknown:
        return f"weeks not in the data: {sorted(unknown)}"
    words = _WORD.findall(fold_accents(prompt_text(prompt_version)))
    spoken = f" {' '.join(_WORD.findall(fold_accents(answer.text)))} "
    for start in range(len(words) - LEAK_WORDS + 1):
        if f" {' '.join(words[start : start + LEAK_WORDS])} " in spoken:
            return "it quotes the instructions"
    return ""


# --- offline retrieval -------------------------------------------------------------------------


def _stems(text: str) -> set[str]:
    words = _WORD.findall(fold_accents(text))
    return {word[:STEM] for word in words if len(word) >= 3 and word not in STOPWORDS}


def sentences_of(summary: WeeklySummary) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(summary.text) if s.strip()]


def offline_answer(text: str, summaries: list[WeeklySummary]) -> Answer:
    """Quote the best-matching sentences of `summaries` (newest first) and name their weeks."""
    candidates = _restricted_to_named_weeks(text, summaries)
    wanted = _stems(text)
    scored = []
    for recency, summary in enumerate(candidates):
        for position, sentence in enumerate(sentences_of(summary)):
            score = len(wanted & _stems(sentence))
            if score:
                scored.append((-score, recency, position, summary.week, sentence))
    scored.sort()
    quotes = [(week, sentence) for *_rank, week, sentence in scored[:MAX_QUOTES]]
    if not quotes:
        latest = candidates[0]
        lead = _("Não encontrei nos resumos recentes algo específico sobre isso.")
        first = " ".join(sentences_of(latest)[:2])
        body = _("O resumo da semana %(week)s diz: “%(text)s”") % {
            "week": latest.week,
            "text": first,
        }
        return Answer(f"{lead} {body} {_numbers_sentence()}".strip(), (latest.week,))
    weeks = tuple(dict.fromkeys(week for week, _sentence in quotes))
    parts = [
        _("Na semana %(week)s: “%(text)s”") % {"week": week, "text": sentence}
        for week, sentence in quotes
    ]
    lead = _("Segundo os resumos semanais:")
    return Answer(f"{lead} {' '.join(parts)} {_numbers_sentence()}".strip(), weeks)


def _restricted_to_named_weeks(text: str, summaries: list[WeeklySummary]) -> list[WeeklySummary]:
    """The summaries of the weeks the question names ("2026-W47"), or all of them."""
    named = {f"{year}-W{week}" for year, week in _WEEK_LABEL.findall(fold_accents(text))}
    chosen = [s for s in summaries if s.week in named]
    return chosen or summaries


def _numbers_sentence() -> str:
    numbers = _current_numbers()
    if not numbers:
        return ""
    categories = numbers["por_categoria"]
    classified = sum(categories.values())
    if not classified:
        return ""
    return _(
        "No relatório de agora, são %(total)s comentários; %(praise)s elogios e %(criticism)s "
        "críticas entre os classificados."
    ) % {
        "total": integer(numbers["total_comentarios"]),
        "praise": percent(categories["ELOGIO"] / classified),
        "criticism": percent(categories["CRÍTICA"] / classified),
    }

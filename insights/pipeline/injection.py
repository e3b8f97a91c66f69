"""Detect comments that speak to the classifier instead of about AluMusic (prompt injection).

A listener writes about songs, shows and the app; a text that tells "the model" what label,
confidence or output to give, or to ignore its instructions, is addressed to us. Such a
comment is still classified, but never trusted blindly: the pipeline sends it to review and
takes its confidence from the local model (insights.pipeline.review). The patterns run on the
accent-folded, lower-cased text, in pt-BR and English; they aim at the imperative phrasing of
an instruction, so that ordinary comments ("a confiança no app caiu") do not trip them, which
tests/insights/test_injection_detector.py checks on the whole evaluation set.
"""

from __future__ import annotations

import re

from lib.text import fold_accents

_LABELS = r"(elogio|critica|sugestao|duvida|spam|praise|criticism|suggestion|question)"
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        # "ignore/desconsidere/esqueça as instruções (anteriores)", "ignore previous instructions"
        r"\b(ignor\w*|desconsider\w*|esquec\w*|esqueca|disregard|forget|override)\b[^.!?\n]{0,40}"
        r"\b(instruc\w*|instructions?|regras|rules|prompt|orientac\w*|comandos?)\b",
        # "classifique (este comentário) como X", "classify this as X", "marque como", "label it"
        r"\b(classifi\w*|rotul\w*|marqu\w*|marcar|categoriz\w*|label\w*|mark|tag)\b[^.!?\n]{0,40}"
        r"\b(como|as)\b\W{0,3}" + _LABELS,
        # "categoria: ELOGIO", "category = praise", "label: spam"
        r"\b(categoria|category|label|rotulo|classe|class)\s*[:=]\s*\W{0,2}" + _LABELS,
        # "confiança 0.99", "confiança de 1", "confidence: 0.95", "com 99% de confiança"
        r"\b(confianca|confidence|certeza|score)\b\W{0,3}(de\s+|of\s+|=\s*)?\d",
        r"\d+\s*%\s*(de\s+)?(confianca|confidence|certeza)",
        # Output imitations: JSON keys of our schema, or role markers of chat transcripts
        r"[\"']\s*(categoria|confianca|category|confidence|id)\s*[\"']\s*:",
        r"<\s*/?\s*(system|assistant|user|instructions?)\s*>|\[\s*(system|inst)\s*\]",
        r"^\s*(system|sistema|assistant|assistente)\s*:",
        # Addressing the model: "você é um classificador", "you are now", "as an AI"
        r"\b(voce|vc) (agora )?e (um|uma) (modelo|ia|assistente|classificador|robo)\b",
        r"\byou are (now )?(a|an|the) (model|ai|assistant|classifier|language model)\b",
        r"\b(modo|mode) (desenvolvedor|developer|dan|jailbreak|admin)\b|\bjailbreak\b",
        # "responda apenas com", "respond only with", "output only", "retorne o json"
        r"\b(respond\w*|responda|retorn\w*|return|output|devolv\w*|answer)\b[^.!?\n]{0,20}"
        r"\b(apenas|somente|only|just|exatamente|exactly)\b[^.!?\n]{0,20}"
        r"\b(com|with|o|the)?\b[^.!?\n]{0,20}\b(json|categoria|category|label|rotulo)\b",
        r"\b(para|to) (o|a|the) (modelo|ia|classificador|model|ai|classifier|llm|assistente)\b",
        r"\b(nova|novas|new) (instruc\w*|instructions?|regra|rule)\b",
        r"\b(system prompt|prompt do sistema|instrucoes do sistema)\b",
    )
)


def instructions_detected(text: str) -> bool:
    """Whether `text` contains instructions addressed to the classifier."""
    folded = fold_accents(text)
    return any(pattern.search(folded) for pattern in _PATTERNS)

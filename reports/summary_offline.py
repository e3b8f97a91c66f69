"""The offline weekly summary: deterministic pt-BR sentences from the numbers and comments.

Each sentence stands on its own (the questions' retrieval quotes sentences), states numbers
exactly as computed and names the week.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.models import Category

from .formatting import integer, percent

CATEGORY_NAMES_PLURAL = {
    Category.PRAISE: gettext_lazy("elogios"),
    Category.CRITICISM: gettext_lazy("críticas"),
    Category.SUGGESTION: gettext_lazy("sugestões"),
    Category.QUESTION: gettext_lazy("dúvidas"),
    Category.SPAM: gettext_lazy("spam"),
}
QUOTED = {
    Category.PRAISE: gettext_lazy("Um elogio"),
    Category.CRITICISM: gettext_lazy("Uma crítica"),
    Category.SUGGESTION: gettext_lazy("Uma sugestão"),
}
QUOTE_MAX = 160


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m")


def offline_summary(numbers: dict[str, Any], samples: dict[str, list[str]]) -> str:
    """The summary text; the same numbers and comments always give the same text."""
    sentences = [
        _volume(numbers),
        _categories(numbers),
        _criticism(numbers),
        _top_tags(numbers),
        _rising(numbers),
        *_quotes(samples),
    ]
    return " ".join(sentence for sentence in sentences if sentence)


def _volume(numbers: dict[str, Any]) -> str:
    week = numbers["semana"]
    period = {"week": week, "start": _day(numbers["inicio"]), "end": _day(numbers["fim"])}
    total, before = numbers["total"], numbers["total_semana_anterior"]
    if total == 0:
        return _("Na semana %(week)s (%(start)s a %(end)s), não chegou nenhum comentário.") % period
    text = _("Na semana %(week)s (%(start)s a %(end)s), chegaram %(total)s comentários") % {
        **period,
        "total": integer(total),
    }
    if before:
        change = (total - before) / before
        direction = _("a mais") if change >= 0 else _("a menos")
        return text + _(", %(change)s %(direction)s que na semana anterior (%(before)s).") % {
            "change": percent(abs(change)),
            "direction": direction,
            "before": integer(before),
        }
    return text + "."


def _categories(numbers: dict[str, Any]) -> str:
    counts = numbers["por_categoria"]
    classified = sum(counts.values())
    if not classified:
        return ""
    parts = [
        _("%(count)s %(name)s (%(share)s)")
        % {"count": integer(n), "name": CATEGORY_NAMES_PLURAL[c], "share": percent(n / classified)}
        for c, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if n
    ]
    listing = ", ".join(parts[:-1]) + (_(" e ") + parts[-1] if len(parts) > 1 else parts[-1])
    return _("Dos comentários classificados, foram %(listing)s.") % {"listing": listing}


def _criticism(numbers: dict[str, Any]) -> str:
    now, before = numbers["parcela_criticas"], numbers["parcela_criticas_semana_anterior"]
    if now is None or before is None:
        return ""
    points = (now - before) * 100
    if abs(points) < 1:
        return _("A parcela de críticas ficou estável em %(now)s.") % {"now": percent(now)}
    verb = _("subiu") if points > 0 else _("caiu")
    return _("A parcela de críticas %(verb)s de %(before)s para %(now)s.") % {
        "verb": verb,
        "before": percent(before),
        "now": percent(now),
    }


def _top_tags(numbers: dict[str, Any]) -> str:
    tags = numbers["tags_mais_citadas"][:3]
    if not tags:
        return ""
    listing = ", ".join(f"{t['codigo']} ({integer(t['comentarios'])})" for t in tags)
    return _("Os assuntos mais citados foram %(tags)s.") % {"tags": listing}


def _rising(numbers: dict[str, Any]) -> str:
    tags = numbers["tags_em_alta"][:3]
    if not tags:
        return ""
    parts = []
    for tag in tags:
        if tag["variacao"] is None:
            parts.append(_("%(tag)s (nova, %(n)s comentários)")
                         % {"tag": tag["codigo"], "n": integer(tag["comentarios"])})  # fmt: skip
        else:
            parts.append(_("%(tag)s (+%(growth)s sobre a média das 4 semanas anteriores)")
                         % {"tag": tag["codigo"], "growth": percent(tag["variacao"])})  # fmt: skip
    return _("Em alta: %(tags)s.") % {"tags": "; ".join(parts)}


def _quotes(samples: dict[str, list[str]]) -> list[str]:
    quotes = []
    for category, lead in QUOTED.items():
        texts = samples.get(category) or []
        if texts:
            text = " ".join(texts[0].split())
            if len(text) > QUOTE_MAX:
                text = text[: QUOTE_MAX - 1].rstrip() + "…"
            quotes.append(_("%(lead)s da semana: “%(text)s”.") % {"lead": lead, "text": text})
    return quotes

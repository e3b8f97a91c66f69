"""Text normalisation shared by the local classifier's features and the tagger.

Real comments spell the same thing many ways ("MUUUITO bom", "muito bom", "mto bom"), and spam
differs mostly in its links, handles and coupon codes. Folding those variants onto one form lets
a small hand-written corpus generalise: accents and case are folded, elongations squashed, and
links, @handles, coupon codes, phone numbers and prices become placeholder words.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+\.(?:com|net|org|br|ly|me|io|gg|app|link|site|shop|store|xyz|info|bio|tv)\b\S*",
    re.IGNORECASE,
)
# A cheap scan that any link matches: a third of comments hold a "." and almost none a link.
_URL_HINT = re.compile(
    r"https?:|www\.|\.(?:com|net|org|br|ly|me|io|gg|app|link|site|shop|store|xyz|info|bio|tv)\b",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<!\w)@\w+")
# Coupon-like codes: capitals glued to digits ("PROMO50", "10OFF").
_COUPON = re.compile(r"\b(?:[A-Z]{3,}\d{1,4}|\d{1,3}[A-Z]{3,})\b")
_PHONE = re.compile(r"\(?\b\d{2}\)?\s?9?\d{4}[-\s.]?\d{4}\b")
_PRICE = re.compile(r"r\$\s?\d+(?:[.,]\d+)*", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ELONGATION = re.compile(r"(\w)\1{2,}")
# Emoji presentation selectors and joiners carry no meaning of their own.
_INVISIBLE = re.compile("[\ufe0e\ufe0f\u200d]")
_LETTERS = re.compile(r"[^\W\d_]")
_CAPITALS = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_COMBINING_MARKS = re.compile("[\u0300-\u036f]")
_PORTUGUESE_ACCENTS = str.maketrans("áàâãäéèêëíìîïóòôõöúùûüç", "aaaaaeeeeiiiiooooouuuuc")

PLACEHOLDERS = {
    "url": "_url_",
    "handle": "_perfil_",
    "coupon": "_cupom_",
    "phone": "_telefone_",
    "price": "_preco_",
    "caps": "_caps_",
}


def squash_elongations(text: str) -> str:
    """'muuuito bommm kkkkk' -> 'muito bom k': three or more repeats become one letter."""
    return _ELONGATION.sub(_first_letter, text)


def _first_letter(match: re.Match[str]) -> str:
    # A function, not the template r"\1": re parses a template string on every call.
    return match[1]


def replace_entities(text: str) -> str:
    """Links, @handles, coupon codes, phone numbers and prices replaced by placeholder words."""
    # Cheap substring checks first: most comments hold none of these, and the regexes cost.
    if "." in text and _URL_HINT.search(text):
        text = _URL.sub(f" {PLACEHOLDERS['url']} ", text)
    if "@" in text:
        text = _HANDLE.sub(f" {PLACEHOLDERS['handle']} ", text)
    if _DIGIT.search(text):
        text = _COUPON.sub(f" {PLACEHOLDERS['coupon']} ", text)
        text = _PHONE.sub(f" {PLACEHOLDERS['phone']} ", text)
        text = _PRICE.sub(f" {PLACEHOLDERS['price']} ", text)
    return text


def fold(text: str) -> str:
    """Lower-case without diacritics, like lib.text.fold_accents but fast on pt-BR text.

    A translation table handles Portuguese accents in C; only text still holding other
    non-ASCII characters (emoji, rarer accents) pays for Unicode decomposition.
    """
    folded = text.casefold().translate(_PORTUGUESE_ACCENTS)
    if folded.isascii():
        return folded
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", folded))


def is_shouting(text: str) -> bool:
    """True when the text has a few letters and nearly all of them are capitals."""
    if text.islower():
        return False  # the common case, decided in C without counting
    capitals = len(_CAPITALS.findall(text))
    # Fewer than 5 capitals can never be 80 % of 6+ letters: most sentences stop here.
    if capitals < 5:
        return False
    letters = len(_LETTERS.findall(text))
    return letters >= 6 and capitals >= 0.8 * letters


def normalise_for_model(text: str) -> str:
    """The text as the classifier's vectorizers see it (folded, squashed, placeholders)."""
    shouting = is_shouting(text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    text = squash_elongations(fold(replace_entities(text)))
    # Runs of spaces are left in: both vectorizers split on whitespace anyway.
    return f"{text} {PLACEHOLDERS['caps']}" if shouting else text

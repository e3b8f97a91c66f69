"""Text normalisation shared by the local classifier's features and the tagger.

Real comments spell the same thing many ways ("MUUUITO bom", "muito bom", "mto bom"), and spam
differs mostly in its links, handles and coupon codes. Folding those variants onto one form lets
a small hand-written corpus generalise: accents and case are folded, elongations squashed, and
links, @handles, coupon codes, phone numbers and prices become placeholder words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

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


# Joins a batch into one string: a NUL between newlines, which no pattern above can match across
# (\s? takes one newline, \S and \w stop at it), so every regex and case fold runs once per batch.
_BATCH_SEPARATOR = "\n\x00\n"
_AT = re.compile("@")
_DIGITS = re.compile(r"\d+")


def normalise_many(texts: Sequence[str]) -> list[str]:
    """`normalise_for_model` of each text (newlines read as spaces), in a few passes per batch.

    At ten thousand comments per second the per-call cost of a dozen regex and string methods
    per comment is most of the time; on one joined string each runs once, and the costlier
    entity patterns only on the comments that hold a hint of them (a link, "@", a digit).
    """
    if not texts:
        return []
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds NUL itself: go one by one
        return [normalise_for_model(text).replace("\n", " ") for text in texts]
    joined = joined.replace("\n", " ").replace("\x00", _BATCH_SEPARATOR)
    if not joined.isascii():
        joined = _INVISIBLE.sub("", joined)
    joined = _in_texts_with(_URL_HINT, joined, _replace_links)
    joined = _in_texts_with(_AT, joined, _replace_handles)
    joined = _in_texts_with(_DIGITS, joined, _replace_numbers)
    # NFKD and dropping combining marks fold the accents the per-text translation table folds.
    folded = joined.casefold()
    if not folded.isascii():
        folded = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", folded))
    parts = squash_elongations(folded).split(_BATCH_SEPARATOR)
    caps = f" {PLACEHOLDERS['caps']}"
    shouting = map(is_shouting, texts)
    return [f"{text}{caps}" if loud else text for loud, text in zip(shouting, parts, strict=True)]


def _in_texts_with(hint: re.Pattern[str], joined: str, replace: Callable[[str], str]) -> str:
    """`replace` applied to each joined text (newline-delimited) where `hint` matches."""
    pieces: list[str] = []
    done = 0
    for match in hint.finditer(joined):
        if match.start() < done:
            continue  # a later hint in a text already replaced
        start = joined.rfind("\n", 0, match.start()) + 1
        end = joined.find("\n", match.end())
        end = len(joined) if end < 0 else end
        pieces += (joined[done:start], replace(joined[start:end]))
        done = end
    if not pieces:
        return joined
    pieces.append(joined[done:])
    return "".join(pieces)


def _replace_links(text: str) -> str:
    return _URL.sub(f" {PLACEHOLDERS['url']} ", text)


def _replace_handles(text: str) -> str:
    return _HANDLE.sub(f" {PLACEHOLDERS['handle']} ", text)


def _replace_numbers(text: str) -> str:
    text = _COUPON.sub(f" {PLACEHOLDERS['coupon']} ", text)
    text = _PHONE.sub(f" {PLACEHOLDERS['phone']} ", text)
    return _PRICE.sub(f" {PLACEHOLDERS['price']} ", text)

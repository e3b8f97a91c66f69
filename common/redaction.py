"""The one redaction function: secrets never reach an error, a log line or a stored record.

Used by the pipeline (last_error), the LLM call log (LLMCall.error), the Gemini error mapping
and, through `RedactingFilter`, by every log handler. Two layers: the configured secret values
themselves (API key, SECRET_KEY, database and broker passwords), whatever text they are echoed
in, and patterns of secrets we do not know (Google API keys, bearer tokens, URL passwords,
`key=` query parameters), for a key that differs from ours or a value in a URL we never saw.
"""

from __future__ import annotations

import logging
import re
import traceback
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from django.conf import settings

MASK = "[redigido]"
# Secret values shorter than this are not masked by value (they would mask ordinary words).
_MIN_SECRET_LENGTH = 6
_PATTERNS = (
    re.compile(r"AIza[0-9A-Za-z_\-]{30,}"),  # Google API keys
    re.compile(
        r"(?i)(x-goog-api-key|api[_-]?key|authorization)(\"?\s*[:=]\s*\"?)"
        r"(?:(?:bearer|token|basic)\s+)?[^\s\"',;&]+"
    ),
    re.compile(r"(?i)\b(bearer|token)(\s+)[A-Za-z0-9_\-.=]{16,}"),
    re.compile(r"(?i)([?&](?:key|api_key|token|password)=)[^&\s\"']+"),
    re.compile(r"(://[^/\s:@]*:)[^@\s/]+(@)"),  # scheme://user:password@host
)
_SECRET_SETTINGS = ("GOOGLE_API_KEY", "SECRET_KEY", "EMAIL_HOST_PASSWORD")
_URL_SETTINGS = ("CELERY_BROKER_URL", "REDIS_URL")


def redact(text: str) -> str:
    """`text` with every known secret value and every secret-looking token masked."""
    if not text:
        return text
    for secret in _secret_values(_settings_fingerprint()):
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(_masked, text)
    return text


def _masked(match: re.Match[str]) -> str:
    # Keep the label (and separator) that said what was there: "x-goog-api-key: [redigido]".
    groups = [g for g in match.groups() if g is not None]
    if len(groups) == 2 and groups[1] == "@":
        return f"{groups[0]}{MASK}@"
    return "".join(groups) + MASK


def _settings_fingerprint() -> tuple[str, ...]:
    """The current secret-bearing settings (tests change them; the cache follows)."""
    values = [str(getattr(settings, name, "") or "") for name in _SECRET_SETTINGS]
    values += [str(getattr(settings, name, "") or "") for name in _URL_SETTINGS]
    values += [str(db.get("PASSWORD") or "") for db in settings.DATABASES.values()]
    return tuple(values)


@lru_cache(maxsize=8)
def _secret_values(fingerprint: tuple[str, ...]) -> tuple[str, ...]:
    secrets: set[str] = set()
    for value in fingerprint:
        if "://" in value:
            password = urlsplit(value).password
            value = unquote(password) if password else ""
        if len(value) >= _MIN_SECRET_LENGTH:
            secrets.add(value)
    # Longest first, so a secret containing another is masked whole.
    return tuple(sorted(secrets, key=len, reverse=True))


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message and any traceback are redacted before output."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: log it as it came
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True

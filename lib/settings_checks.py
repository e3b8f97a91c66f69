"""Strict parsing of settings values read from the environment: fail loudly, say which one.

Used only by alumusic/settings.py. Each function raises ValueError with a message naming the
variable; settings turn it into ImproperlyConfigured so the process refuses to start.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_RATE = re.compile(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", re.ASCII)
# Django's own minimums (check --deploy) plus an entropy floor: 60 × "a" passes neither.
_KEY_MIN_LENGTH = 50
_KEY_MIN_UNIQUE = 10
_KEY_MIN_BITS = 128


def strict_bool(name: str, raw: str) -> bool:
    """'true/false/1/0/yes/no/on/off' in any case; anything else ('maybe') is an error."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}.")


def strict_int(name: str, raw: str, *, minimum: int | None = None) -> int:
    """A whole number (no units, no '10k'), at least `minimum` when given."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}.")
    return value


def strict_float(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}.") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {raw!r}.")
    return value


def throttle_rate(name: str, raw: str) -> str:
    """A DRF rate such as '60/min' or '1000/day'."""
    if not _RATE.fullmatch(raw.strip()):
        raise ValueError(f"{name} must be a rate such as 60/min or 1000/day, not {raw!r}.")
    return raw.strip()


def url(name: str, raw: str, *, schemes: set[str]) -> str:
    """A URL with one of `schemes` and a host (sqlite may have none); '' passes through."""
    if not raw:
        return raw
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"{name} is not a valid URL: {raw!r}.") from None
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ValueError(f"{name} must start with one of {allowed}, not {raw!r}.")
    if not parts.hostname and parts.scheme != "sqlite":
        raise ValueError(f"{name} has no host: {raw!r}.")
    return raw


def secret_key_problem(key: str) -> str | None:
    """Why `key` is unfit for production, or None: Django's default prefix, short, low entropy."""
    if key.startswith("django-insecure"):
        return "SECRET_KEY is a Django development key (django-insecure-…)."
    if len(key) < _KEY_MIN_LENGTH:
        return f"SECRET_KEY must have at least {_KEY_MIN_LENGTH} characters."
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    if len(counts) < _KEY_MIN_UNIQUE or bits < _KEY_MIN_BITS:
        return "SECRET_KEY is too predictable (too few distinct characters)."
    return None

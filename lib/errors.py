"""Domain exceptions raised by services; one API exception handler maps them to HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple


class DomainError(Exception):
    """Base class: a message for people (pt-BR) plus optional structured details."""

    status_code = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Rejection(NamedTuple):
    """One item refused by its index (list position or file row number) and why, in pt-BR."""

    index: int  # type: ignore[assignment]  # the field shadows tuple.index, by design
    reason: str


class ValidationFailed(DomainError):
    """Bad input; `rejections` names the refused items when the input is a list of them."""

    status_code = 400

    def __init__(
        self, message: str, *, details: Any = None, rejections: Sequence[Rejection] = ()
    ) -> None:
        super().__init__(message, details=details)
        self.rejections = tuple(rejections)


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class LimitExceeded(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415


class TooManyRequests(DomainError):
    """A quota is used up; `retry_after` seconds until it refills (the Retry-After header)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after

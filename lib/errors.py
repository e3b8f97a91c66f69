"""Domain exceptions raised by services; one API exception handler maps them to HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a message for people (pt-BR) plus optional structured details."""

    status_code = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class LimitExceeded(DomainError):
    status_code = 413


class UnsupportedMediaType(DomainError):
    status_code = 415

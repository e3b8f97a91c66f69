"""Classifier backends behind one interface; `get_backend` picks one by name or by settings."""

from __future__ import annotations

from django.conf import settings

from insights.domain import ClassifierBackend

BACKEND_NAMES = ("local", "gemini")


def get_backend(name: str | None = None) -> ClassifierBackend:
    """The process-wide instance of backend `name` (default: settings.CLASSIFIER_BACKEND)."""
    name = name or settings.CLASSIFIER_BACKEND
    if name == "local":
        from insights.classifiers.local.backend import LocalBackend

        return LocalBackend.shared()
    if name == "gemini":
        from insights.classifiers.gemini.backend import GeminiBackend

        return GeminiBackend.shared()
    raise ValueError(f"Unknown classifier backend {name!r}; expected one of {BACKEND_NAMES}.")

"""System checks: refuse a classifier configuration that would leave comments PENDENTE forever.

Without them a missing prompt or API key only shows up as worker log lines while the sweeper
keeps re-enqueueing the same comments; `manage.py check` (run by migrate and runserver) and
the compose `migrate` step stop with a clear message instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from insights.classifiers.gemini.prompts import prompt_load
from insights.classifiers.local.corpus import training_files


@register("insights")
def classifier_configuration_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The chosen backend has what it needs: Gemini a key and a prompt, local a corpus."""
    if settings.CLASSIFIER_BACKEND == "gemini":
        return _gemini_errors()
    return _local_errors()


def _gemini_errors() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not settings.GOOGLE_API_KEY:
        errors.append(
            Error(
                "CLASSIFIER_BACKEND is 'gemini' but GOOGLE_API_KEY is empty.",
                hint="Set GOOGLE_API_KEY, or CLASSIFIER_BACKEND=local for the offline model.",
                id="insights.E001",
            )
        )
    try:
        prompt_load(settings.GEMINI_PROMPT_VERSION)
    except ValueError as exc:
        errors.append(
            Error(str(exc), hint="See insights/prompts/ for the versions.", id="insights.E002")
        )
    if settings.GEMINI_BATCH_SIZE < 1:
        errors.append(Error("GEMINI_BATCH_SIZE must be at least 1.", id="insights.E003"))
    return errors


def _local_errors() -> list[CheckMessage]:
    if training_files() or any(settings.MODEL_DIR.glob("local-*.joblib")):
        return []
    return [
        Error(
            "The local classifier has neither a trained model in MODEL_DIR nor a training "
            "corpus in insights/data/train/ to build one from.",
            hint="Restore insights/data/train/*.jsonl or run `manage.py train_classifier`.",
            id="insights.E004",
        )
    ]

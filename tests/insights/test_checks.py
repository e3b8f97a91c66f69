"""`manage.py check` refuses a classifier configuration that could never classify anything."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_the_shipped_configuration_passes_the_checks():
    call_command("check", tags=["insights"])


def test_gemini_without_an_api_key_is_refused(settings):
    settings.CLASSIFIER_BACKEND = "gemini"
    settings.GOOGLE_API_KEY = ""

    with pytest.raises(SystemCheckError, match=r"insights\.E001"):
        call_command("check", tags=["insights"])


def test_an_unknown_prompt_version_is_refused(settings):
    settings.CLASSIFIER_BACKEND = "gemini"
    settings.GOOGLE_API_KEY = "a-key"
    settings.GEMINI_PROMPT_VERSION = "classify_v999"

    with pytest.raises(SystemCheckError, match=r"insights\.E002"):
        call_command("check", tags=["insights"])


def test_local_backend_without_model_or_corpus_is_refused(settings, tmp_path, monkeypatch):
    settings.CLASSIFIER_BACKEND = "local"
    settings.MODEL_DIR = tmp_path
    monkeypatch.setattr("insights.checks.training_files", lambda: [])

    with pytest.raises(SystemCheckError, match=r"insights\.E004"):
        call_command("check", tags=["insights"])

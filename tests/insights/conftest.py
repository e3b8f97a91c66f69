"""Fixtures for pipeline tests (the helpers they use live in tests/insights/helpers.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from comments.models import Comment
from insights.pipeline import classify as classify_module
from tests.factories import ApiClientFactory, CommentFactory
from tests.insights.helpers import ScriptedBackend
from tests.locks import file_lock


@pytest.fixture
def scripted_backend(monkeypatch) -> ScriptedBackend:
    backend = ScriptedBackend()
    monkeypatch.setattr(classify_module, "get_backend", lambda name=None: backend)
    return backend


@pytest.fixture
def api_token(transactional_db) -> str:
    """A DRF token of an API client account, for requests to the live server."""
    return Token.objects.create(user=ApiClientFactory()).key


@pytest.fixture
def make_comments(db) -> Callable[..., list[Comment]]:
    def make(count: int, **fields) -> list[Comment]:
        return CommentFactory.create_batch(count, **fields)

    return make


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, local_model_ready) -> Path:
    """A MODEL_DIR of its own with the default local model, trained at most once per run.

    It starts as a copy of the artifact `local_model_ready` built (or found current) in
    settings.MODEL_DIR: the same variant and corpus, so load_or_build only checks its version.
    """
    from django.conf import settings

    from insights.classifiers.local.artifacts import artifact_path, load_or_build

    # Under xdist every worker's basetemp sits in one run directory: copy there once.
    root = tmp_path_factory.getbasetemp()
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    model_dir = shared / "trained-models"
    built = artifact_path("default", settings.MODEL_DIR)
    with file_lock(shared / "trained-models.lock"):
        if built.exists() and not artifact_path("default", model_dir).exists():
            model_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, artifact_path("default", model_dir))
        load_or_build("default", model_dir)  # trains only when that copy is missing or stale
    return model_dir


# Complete writers (every label) whose files together train a model in seconds, for the tests
# that train one through the command: a model from the whole corpus takes minutes.
SMALL_CORPUS_WRITERS = ("m", "n", "o", "q")


@pytest.fixture
def small_writer_corpus(settings, tmp_path) -> Path:
    """LOCAL_CLASSIFIER_CORPUS_DIR pointed at a copy of a few writers' training files."""
    from insights.classifiers.local.corpus import TRAIN_DIR

    directory = tmp_path / "corpus"
    directory.mkdir()
    for writer in SMALL_CORPUS_WRITERS:
        shutil.copy2(TRAIN_DIR / f"escritor_{writer}.jsonl", directory)
    settings.LOCAL_CLASSIFIER_CORPUS_DIR = directory
    return directory


@pytest.fixture
def local_backend(settings, trained_model_dir):
    """The process-wide local backend, reading the session's trained model (not var/)."""
    from insights.classifiers.local.backend import LocalBackend

    settings.MODEL_DIR = trained_model_dir
    settings.LOCAL_CLASSIFIER_MODEL = "default"
    return LocalBackend.shared()

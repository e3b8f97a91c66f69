"""Training is reproducible, and a missing, stale or broken artifact is rebuilt on first use."""

from __future__ import annotations

import json

import numpy as np
import pytest

from insights.classifiers.local.artifacts import (
    artifact_path,
    load_model,
    load_or_build,
    save_model,
)
from insights.classifiers.local.backend import LocalBackend
from insights.classifiers.local.cascade import share_tfidf
from insights.classifiers.local.corpus import EVAL_PATH, load_jsonl, load_training_corpus
from insights.classifiers.local.training import SPECS, model_version, train_model
from insights.domain import CATEGORIES, CommentInput

SMALL_PER_LABEL = 60


@pytest.fixture(scope="module")
def small_corpus():
    """The first items of each label: enough to train in a second or two."""
    taken: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    items = []
    for item in load_training_corpus():
        if taken[item.category] < SMALL_PER_LABEL:
            taken[item.category] += 1
            items.append(item)
    return items


@pytest.fixture
def small_train_dir(tmp_path, small_corpus):
    directory = tmp_path / "train"
    directory.mkdir()
    lines = [
        json.dumps({"texto": i.text, "categoria": i.category, "tags": list(i.tags)})
        for i in small_corpus
    ]
    (directory / "corpus.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return directory


def test_training_twice_gives_the_same_version_and_the_same_probabilities(small_corpus):
    texts = [item.text for item in load_jsonl(EVAL_PATH)[:100]]

    first = train_model(SPECS["fast"], small_corpus)
    second = train_model(SPECS["fast"], small_corpus)

    assert first.version == second.version
    assert np.array_equal(first.predict_proba(texts), second.predict_proba(texts))


def test_a_saved_artifact_loads_with_identical_predictions(tmp_path, small_corpus):
    model = train_model(SPECS["fast"], small_corpus)
    path = tmp_path / "modelo.joblib"

    save_model(model, path)

    texts = ["amei", "o app trava", "quando sai o disco?"]
    assert np.array_equal(load_model(path).predict_proba(texts), model.predict_proba(texts))


def test_missing_artifact_is_built_on_first_use(tmp_path, small_train_dir):
    backend = LocalBackend(variant="fast", model_dir=tmp_path / "models", train_dir=small_train_dir)

    result = backend.classify([CommentInput(id="1", text="que show incrível")])

    assert result.classifications[0].category in CATEGORIES
    assert artifact_path("fast", tmp_path / "models").exists()


def test_artifact_from_another_corpus_is_rebuilt(tmp_path, small_corpus, small_train_dir):
    model_dir = tmp_path / "models"
    stale = train_model(SPECS["fast"], small_corpus[: len(small_corpus) // 2])
    save_model(stale, artifact_path("fast", model_dir))

    model = load_or_build("fast", model_dir, small_train_dir)

    assert model.version == model_version(SPECS["fast"], small_corpus) != stale.version
    assert load_model(artifact_path("fast", model_dir)).version == model.version


def test_unreadable_artifact_is_rebuilt(tmp_path, small_corpus, small_train_dir):
    path = artifact_path("fast", tmp_path)
    path.write_bytes(b"not a joblib file")

    model = load_or_build("fast", tmp_path, small_train_dir)

    assert model.version == model_version(SPECS["fast"], small_corpus)


def test_a_current_artifact_is_loaded_not_retrained(tmp_path, small_train_dir):
    built = load_or_build("fast", tmp_path, small_train_dir)

    again = load_or_build("fast", tmp_path, small_train_dir)

    assert again.built_at == built.built_at


def test_train_classifier_command_writes_the_artifact_the_backend_loads(
    tmp_path, settings, small_writer_corpus
):
    from io import StringIO

    from django.core.management import call_command

    settings.MODEL_DIR = tmp_path
    out = StringIO()

    call_command("train_classifier", "--model", "fast", "--skip-cv", stdout=out)

    expected = model_version(SPECS["fast"], load_training_corpus(small_writer_corpus))
    assert "escritor_m.jsonl, escritor_n.jsonl" in out.getvalue()
    assert expected in out.getvalue()
    written = load_model(artifact_path("fast", tmp_path))
    assert written.version == expected
    # The backend loads that very artifact instead of training again.
    assert LocalBackend(variant="fast", model_dir=tmp_path).model.built_at == written.built_at


def test_vocabularies_pickle_packed_and_come_back_identical(tmp_path, small_corpus):
    """The artifact stores vocabularies as one string + an array (fast to unpickle)."""
    model = train_model(SPECS["fast"], small_corpus)
    union = model.pipeline.named_steps["features"].transformer_list[0][1].named_steps["union"]
    words, chars = (transformer for _, transformer in union.transformer_list)
    path = tmp_path / "modelo.joblib"

    save_model(model, path)

    loaded = load_model(path)
    union = loaded.pipeline.named_steps["features"].transformer_list[0][1].named_steps["union"]
    loaded_words, loaded_chars = (transformer for _, transformer in union.transformer_list)
    assert loaded_chars.vocabulary_ == chars.vocabulary_
    assert (loaded_words.unigrams_, loaded_words.bigrams_) == (words.unigrams_, words.bigrams_)
    assert isinstance(words.__getstate__()["bigrams_"], tuple)


def test_the_cascade_lets_the_use_model_answer_only_the_comments_fast_is_unsure_of(
    tmp_path, small_corpus
):
    spec = SPECS["cascade"]
    cascade = train_model(spec, small_corpus)
    fast = train_model(SPECS["fast"], small_corpus)
    use = train_model(SPECS["use"], small_corpus, with_tagger=False)
    texts = [item.text for item in load_jsonl(EVAL_PATH)[:200]]

    alone = fast.predict_proba(texts)
    unsure = alone.max(axis=1) < spec.second_opinion_below
    combined = cascade.predict_proba(texts)

    # A small corpus leaves the fast model unsure of many comments, and sure of some.
    assert unsure.any()
    assert (~unsure).any()
    assert np.allclose(combined[~unsure], alone[~unsure])
    assert np.allclose(combined[unsure], use.predict_proba(texts)[unsure])
    assert np.allclose(combined.sum(axis=1), 1.0)
    # The artifact keeps the second model, and the backend answers through both.
    save_model(cascade, tmp_path / "cascata.joblib")
    loaded = load_model(tmp_path / "cascata.joblib")
    assert np.allclose(loaded.predict_proba(texts), combined)
    assert tfidf_step(loaded.second_opinion) is tfidf_step(loaded)  # one copy in the artifact
    result = LocalBackend.for_model(loaded).classify(
        [CommentInput(id=str(row), text=text) for row, text in enumerate(texts)]
    )
    confidence = np.array([c.confidence for c in result.classifications])
    assert np.allclose(confidence, combined.max(axis=1))
    assert {c.model for c in result.classifications} == {"local-tfidf-lr+use"}


def tfidf_step(model):
    return dict(model.pipeline.named_steps["features"].transformer_list)["tfidf"]


def test_a_tfidf_step_is_shared_only_with_a_model_that_fitted_the_same_one(small_corpus):
    first = train_model(SPECS["fast"], small_corpus, with_tagger=False)
    same = train_model(SPECS["fast"], small_corpus, with_tagger=False)
    other = train_model(SPECS["fast"], small_corpus[:150], with_tagger=False)
    other_step = tfidf_step(other)

    assert share_tfidf(first.pipeline, other.pipeline) is False
    assert tfidf_step(other) is other_step
    assert share_tfidf(first.pipeline, same.pipeline) is True
    assert tfidf_step(same) is tfidf_step(first)


def test_the_cascade_version_changes_with_its_second_model(small_corpus, monkeypatch):
    from dataclasses import replace

    from insights.classifiers.local import training

    before = model_version(SPECS["cascade"], small_corpus)
    monkeypatch.setitem(training.SPECS, "use", replace(SPECS["use"], use_weight=0.25))

    assert model_version(training.SPECS["cascade"], small_corpus) != before

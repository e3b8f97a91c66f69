"""The learned tagger: per-tag thresholds, the decision rule, explanations, and the artifact."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from insights.classifiers.local.artifacts import load_model, save_model
from insights.classifiers.local.backend import LocalBackend
from insights.classifiers.local.corpus import CorpusItem, load_training_corpus
from insights.classifiers.local.tag_model import (
    RELATIVE_MARGIN,
    LearnedTagger,
    allowed_codes,
    decide,
)
from insights.classifiers.local.tag_training import (
    WRITER_FOLDS,
    choose_thresholds,
    fit_weights,
    fold_of_items,
    learnable_codes,
    out_of_fold_scores,
    out_of_writer_tags,
    tag_truth,
)
from insights.classifiers.local.tagger import MAX_TAGS
from insights.classifiers.local.training import SPECS, build_pipeline, train_model
from insights.domain import CATEGORIES, CommentInput
from insights.taxonomy import taxonomy_codes

PER_LABEL = 40


@pytest.fixture(scope="module")
def two_writers() -> list[CorpusItem]:
    """A few items of each label from writers E and F, plus writer A (who skipped labels)."""
    taken: dict[tuple[str, str], int] = {}
    chosen = []
    for item in load_training_corpus():
        key = (item.writer, item.category)
        if item.writer in {"A", "E", "F"} and taken.get(key, 0) < PER_LABEL:
            taken[key] = taken.get(key, 0) + 1
            chosen.append(item)
    return chosen


@pytest.fixture(scope="module")
def small_model(two_writers):
    return train_model(SPECS["fast"], two_writers)


def test_thresholds_keep_pooled_precision_at_the_target_and_cut_between_classes():
    # Code 0 separates perfectly; code 1's best-scored item is wrong, so any cut-off for it
    # pulls the pooled precision under the target.
    scores = np.array([[3.0, 0.4], [2.0, 0.3], [-1.0, 0.2], [-2.0, 0.1]])
    truth = np.array([[True, False], [True, True], [False, False], [False, True]])

    thresholds = choose_thresholds(scores, truth, np.ones_like(truth), target=0.9)

    assert -1.0 < thresholds[0] < 2.0
    assert thresholds[1] == np.inf


def test_a_code_not_allowed_for_the_annotated_category_never_gets_a_threshold_from_it():
    scores = np.array([[2.0], [1.0]])
    truth = np.array([[True], [True]])

    thresholds = choose_thresholds(scores, truth, np.zeros_like(truth), target=0.5)

    assert thresholds[0] == np.inf


def test_decide_keeps_codes_above_threshold_best_margin_first_capped():
    scores = np.array([[0.5, 3.0, 2.0, 1.0, 4.0], [-1.0, -1.0, -1.0, -1.0, -1.0]])
    thresholds = np.zeros(5)
    allowed = np.array([[True, True, True, True, False], [True] * 5])

    chosen = decide(scores, thresholds, allowed)

    assert chosen == [[1, 2, 3], []]
    assert MAX_TAGS == 3


def test_a_further_tag_needs_a_margin_close_enough_to_the_first_ones():
    first = 4.0
    close, far = first * RELATIVE_MARGIN * 1.1, first * RELATIVE_MARGIN * 0.9
    scores = np.array([[far, first, close], [far, 0.0, 0.0]])

    chosen = decide(scores, np.zeros(3), np.ones((2, 3), dtype=bool))

    assert chosen == [[1, 2], [0]]


def test_spam_codes_are_allowed_only_for_spam_and_topic_codes_only_otherwise():
    allowed = allowed_codes(["show", "link_externo"], ["SPAM", "ELOGIO", None])

    assert allowed.tolist() == [[False, True], [True, False], [True, True]]


def test_held_out_folds_are_the_complete_writers_and_others_always_train(two_writers):
    folds = fold_of_items(two_writers)

    assert {f for item, f in zip(two_writers, folds, strict=True) if item.writer == "A"} == {-1}
    assert len({f for item, f in zip(two_writers, folds, strict=True) if item.writer != "A"}) == 2


def test_many_complete_writers_share_a_few_folds_and_each_writer_stays_in_one():
    writers = [f"W{number:02d}" for number in range(WRITER_FOLDS * 2 + 1)]
    items = [
        CorpusItem(f"{writer} {label}", label, writer=writer)
        for writer in writers
        for label in CATEGORIES
    ]

    folds = fold_of_items(items)

    per_writer = {
        writer: {f for item, f in zip(items, folds, strict=True) if item.writer == writer}
        for writer in writers
    }
    assert all(len(seen) == 1 for seen in per_writer.values())
    assert sorted(set(folds.tolist())) == list(range(WRITER_FOLDS))


def test_folds_fitted_in_worker_processes_score_as_one_fold_after_another(small_model, two_writers):
    design = sparse.csr_matrix(small_model.features([item.text for item in two_writers]))
    truth = tag_truth(two_writers, learnable_codes(two_writers))
    folds = fold_of_items(two_writers)
    one_by_one = np.full(truth.shape, np.nan)
    for fold_number in (0, 1):
        inside = folds == fold_number
        weights, intercepts = fit_weights(design[~inside], truth[~inside])
        one_by_one[inside] = np.asarray(design[inside] @ weights) + intercepts

    parallel = out_of_fold_scores(design, truth, folds)

    np.testing.assert_array_equal(parallel, one_by_one)
    assert np.isnan(parallel[folds < 0]).all()
    assert not np.isnan(parallel[folds >= 0]).any()


def test_a_trained_model_carries_a_tagger_for_the_codes_it_saw(small_model, two_writers):
    assert small_model.tagger is not None
    assert set(small_model.tagger.codes) == set(learnable_codes(two_writers))
    assert set(small_model.tagger.codes) <= taxonomy_codes()


def test_backend_tags_come_from_the_learned_tagger_with_pt_br_explanations(small_model):
    texts = [
        "o ingresso do show esgotou em dois minutos, ridículo",
        "me segue no insta que eu sigo de volta, link na bio",
        "hoje acordei cedo e fui trabalhar",
    ]
    backend = LocalBackend.for_model(small_model)
    model = small_model

    result = backend.classify([CommentInput(id=str(n), text=t) for n, t in enumerate(texts)])

    expected = model.tagger.tag(
        model.features(texts), texts, [c.category for c in result.classifications]
    )
    assert [c.tags for c in result.classifications] == expected
    for classification in result.classifications:
        assert len(classification.tags) <= MAX_TAGS
        assert all(tag.explanation.strip() for tag in classification.tags)


def _always_firing_tagger(codes: tuple[str, ...], lexicon: dict[str, dict[str, float]]):
    """A tagger whose every allowed code fires (zero weights, thresholds below zero)."""
    features = 4
    return LearnedTagger(
        codes,
        np.zeros((features, len(codes)), dtype=np.float32),
        np.zeros(len(codes)),
        np.full(len(codes), -1.0),
        lexicon,
    ), sparse.csr_matrix((1, features))


def test_explanations_quote_the_telling_word_then_the_rule_else_say_context():
    tagger, features = _always_firing_tagger(
        ("show_ingresso", "vocal", "clipe", "link_externo"), {"vocal": {"cantora": 0.8}}
    )

    (tags,) = tagger.tag(features, ["O INGRESSO tá caro e a Cantoraaa desafinou"], ["CRÍTICA"])

    assert [(t.code, t.explanation) for t in tags] == [
        ("show_ingresso", 'menciona "INGRESSO"'),  # no telling word: the rule's phrase
        ("vocal", 'menciona "Cantoraaa"'),  # folded and squashed to "cantora" to look it up
        ("clipe", "assunto reconhecido pelo contexto do comentário"),
    ]


def test_the_most_telling_word_is_quoted_when_several_are_known():
    tagger, features = _always_firing_tagger(("vocal",), {"vocal": {"cantora": 0.6, "voz": 0.9}})

    (tags,) = tagger.tag(features, ["a cantora tem uma VOZ linda"], ["ELOGIO"])

    assert [(t.code, t.explanation) for t in tags] == [("vocal", 'menciona "VOZ"')]


def test_the_tagger_survives_the_artifact_round_trip(tmp_path, small_model):
    texts = ["o som do show estava baixo e a fila do banheiro enorme", "link na bio 🔥"]
    path = tmp_path / "model.joblib"
    save_model(small_model, path)

    loaded = load_model(path)

    categories = ["CRÍTICA", "SPAM"]
    assert loaded.tagger is not None
    assert loaded.tags(loaded.features(texts), texts, categories) == small_model.tags(
        small_model.features(texts), texts, categories
    )


def test_a_model_trained_without_tagger_tags_with_the_keyword_rules(two_writers):
    model = train_model(SPECS["fast"], two_writers, with_tagger=False)
    text = "o ingresso do show esgotou"

    (tags,) = model.tags(model.features([text]), [text], ["CRÍTICA"])

    assert model.tagger is None
    assert ("show_ingresso", 'menciona "ingresso"') in {(t.code, t.explanation) for t in tags}


def test_out_of_writer_tags_cover_exactly_the_held_out_items(two_writers):
    texts = [item.text for item in two_writers]
    features = build_pipeline(SPECS["fast"])[:-1].fit_transform(texts)
    categories = [item.category for item in two_writers]

    tags = out_of_writer_tags(features, two_writers, categories)

    for item, found in zip(two_writers, tags, strict=True):
        assert (found is None) == (item.writer == "A")
        if found is not None:
            assert len(found) <= MAX_TAGS
            assert found <= taxonomy_codes()
    assert set(CATEGORIES) == {item.category for item in two_writers}


def test_the_sentence_encoder_variant_trains_a_tagger_and_tags_too(two_writers):
    model = train_model(SPECS["use"], two_writers)
    texts = ["o ingresso do show esgotou em dois minutos", "link na bio 🔥"]

    result = LocalBackend.for_model(model).classify(
        [CommentInput(id=str(n), text=t) for n, t in enumerate(texts)]
    )

    assert model.tagger is not None
    assert len(result.classifications) == 2
    assert all(len(c.tags) <= MAX_TAGS for c in result.classifications)

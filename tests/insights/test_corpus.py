"""The labelled corpus: parses, uses valid labels and tag codes, is big enough and kept apart."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from insights.classifiers.local.corpus import (
    EVAL_PATH,
    FRESH2_DIR,
    FRESH3_DIR,
    FRESH4_DIR,
    FRESH_DIR,
    CorpusError,
    dedup_key,
    load_fresh_eval,
    load_jsonl,
    load_training_corpus,
    overlapping_texts,
    training_files,
)
from insights.domain import CATEGORIES
from insights.taxonomy import taxonomy_codes

MIN_TRAINING_PER_LABEL = 400
MIN_EVAL_PER_LABEL = 80
FRESH2_PER_WRITER_AND_LABEL = 65
# The later frozen sets were checked with the briefs' stricter cut (README, eval_fresh2 section).
FRESH2_JACCARD = 0.7
# Each later frozen set: its directory and its two writers, new to every earlier file.
LATER_FROZEN_SETS = [
    pytest.param(FRESH2_DIR, ("W", "Z"), [FRESH_DIR], id="eval_fresh2"),
    pytest.param(FRESH3_DIR, ("AX", "AY"), [FRESH_DIR, FRESH2_DIR], id="eval_fresh3"),
    pytest.param(FRESH4_DIR, ("BA", "BB"), [FRESH_DIR, FRESH2_DIR, FRESH3_DIR], id="eval_fresh4"),
]


@pytest.fixture(scope="module")
def training():
    return load_training_corpus()


@pytest.fixture(scope="module")
def evaluation():
    return load_jsonl(EVAL_PATH)


@pytest.fixture(scope="module")
def fresh2():
    return load_fresh_eval(FRESH2_DIR)


def test_training_files_and_the_eval_sets_parse_with_valid_labels_and_tags(
    training, evaluation, fresh2
):
    assert {path.name for path in training_files()} >= {
        "escritor_a.jsonl",
        "escritor_b.jsonl",
        "escritor_d.jsonl",
    }
    for item in [*training, *evaluation, *fresh2]:
        assert item.category in CATEGORIES
        assert set(item.tags) <= taxonomy_codes()
        assert len(item.tags) <= 3
        assert item.text.strip()


def test_training_set_has_at_least_400_items_per_label(training):
    counts = Counter(item.category for item in training)
    assert {label: counts[label] for label in CATEGORIES} == {
        label: max(counts[label], MIN_TRAINING_PER_LABEL) for label in CATEGORIES
    }


def test_eval_set_has_at_least_80_items_per_label(evaluation):
    counts = Counter(item.category for item in evaluation)
    assert min(counts[label] for label in CATEGORIES) >= MIN_EVAL_PER_LABEL, counts


def test_no_eval_text_appears_in_training_after_normalisation(training, evaluation):
    assert overlapping_texts(evaluation, training) == []


def test_normalisation_meets_copies_differing_in_case_accents_and_punctuation():
    assert dedup_key("Música  BOA!!") == dedup_key("musica boa")


def test_a_line_with_an_unknown_label_is_rejected_with_its_line_number(tmp_path):
    path = tmp_path / "ruim.jsonl"
    lines = [
        {"texto": "amei o show", "categoria": "ELOGIO", "tags": ["show"]},
        {"texto": "que isso", "categoria": "ELOGIOS", "tags": []},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")

    with pytest.raises(CorpusError, match=r"ruim.jsonl:2: 'categoria'"):
        load_jsonl(path)


def test_a_line_with_a_tag_outside_the_taxonomy_is_rejected(tmp_path):
    path = tmp_path / "ruim.jsonl"
    path.write_text(
        json.dumps({"texto": "amei", "categoria": "ELOGIO", "tags": ["inventada"]}),
        encoding="utf-8",
    )

    with pytest.raises(CorpusError, match="unknown tag codes"):
        load_jsonl(path)


def test_training_has_no_near_copies_of_itself_or_of_any_evaluation_set(
    training, evaluation, fresh2
):
    from insights.classifiers.local.dedup import near_duplicates

    assert near_duplicates(training) == []
    assert near_duplicates(training, load_fresh_eval()) == []
    assert near_duplicates(training, evaluation) == []
    assert near_duplicates(training, fresh2, threshold=FRESH2_JACCARD) == []
    for later in (FRESH3_DIR, FRESH4_DIR):
        assert near_duplicates(training, load_fresh_eval(later), threshold=FRESH2_JACCARD) == []


def test_near_duplicates_finds_reworded_copies_but_not_texts_on_the_same_topic():
    from insights.classifiers.local.corpus import CorpusItem
    from insights.classifiers.local.dedup import near_duplicates

    texts = [
        "o app fecha sozinho toda vez que abro a playlist",
        "O APP fecha sozinho toda vez que abro a playlist!!",  # same comment
        "o app trava quando abro o modo offline",  # same topic, another comment
    ]
    items = [CorpusItem(text, "CRÍTICA") for text in texts]

    [copy] = near_duplicates(items)

    assert (copy.index, copy.other, copy.similarity) == (1, 0, 1.0)
    assert near_duplicates(items[2:], items[:1]) == []


def test_the_shingle_matrix_gives_the_overlaps_of_the_shingle_sets(training):
    from insights.classifiers.local.dedup import _binary_matrix, shingles

    # Keys shorter than, equal to and longer than a shingle, a shingle repeated inside a
    # text, accents, letters beyond 16 bits, a text with no word, then a slice of the corpus.
    texts = ["a", "ab!", "abc", "show show show show", "Ótimo", "𝐀𝐁𝐂 show", "!!!", "x y"]
    texts += [item.text for item in training[::60]]
    sets = [shingles(text) for text in texts]

    matrix = _binary_matrix(texts)

    # Set sizes and every pairwise intersection are what the Jaccard scores are made of.
    overlaps = (matrix @ matrix.T).toarray()
    expected = np.array([[len(a & b) for b in sets] for a in sets])
    np.testing.assert_array_equal(overlaps, expected)
    assert set(matrix.data) == {1.0}


def test_at_least_six_writers_wrote_every_label_and_the_fresh_set_has_120_per_label(training):
    from insights.classifiers.local.selection import complete_writers

    assert len(complete_writers(training)) >= 6
    fresh = load_fresh_eval()
    assert {item.writer for item in fresh} == {"X", "Y"}
    assert not {item.writer for item in fresh} & {item.writer for item in training}
    counts = Counter(item.category for item in fresh)
    assert min(counts[label] for label in CATEGORIES) >= 120, counts


@pytest.mark.parametrize(("directory", "writers", "earlier_sets"), LATER_FROZEN_SETS)
def test_a_later_fresh_set_has_exactly_65_per_label_from_each_of_two_new_writers(
    training, directory, writers, earlier_sets
):
    items = load_fresh_eval(directory)
    counts = Counter((item.writer, item.category) for item in items)

    assert counts == {
        (writer, label): FRESH2_PER_WRITER_AND_LABEL for writer in writers for label in CATEGORIES
    }
    earlier = {item.writer for item in training}
    earlier |= {item.writer for path in earlier_sets for item in load_fresh_eval(path)}
    assert not set(writers) & earlier


@pytest.mark.parametrize(("directory", "writers", "earlier_sets"), LATER_FROZEN_SETS)
def test_a_later_fresh_set_has_no_near_copies_inside_or_of_the_other_evaluation_sets(
    evaluation, directory, writers, earlier_sets
):
    from insights.classifiers.local.dedup import near_duplicates

    items = load_fresh_eval(directory)
    assert near_duplicates(items, threshold=FRESH2_JACCARD) == []
    for path in earlier_sets:
        assert near_duplicates(items, load_fresh_eval(path), threshold=FRESH2_JACCARD) == []
    assert near_duplicates(items, evaluation, threshold=FRESH2_JACCARD) == []

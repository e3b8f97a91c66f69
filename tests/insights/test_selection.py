"""Leave-one-writer-out CV, calibration error and the review thresholds chosen from them."""

from __future__ import annotations

import numpy as np
import pytest

from insights.classifiers.local.corpus import CorpusItem, load_training_corpus
from insights.classifiers.local.selection import (
    choose_review_thresholds,
    complete_writers,
    expected_calibration_error,
    leave_one_writer_out,
    review_rates,
)
from insights.classifiers.local.training import SPECS
from insights.domain import CATEGORIES

PER_LABEL = 25


@pytest.fixture(scope="module")
def three_writers() -> list[CorpusItem]:
    """A few items of each label from writers E, F and G, plus writer A (who skipped labels)."""
    taken: dict[tuple[str, str], int] = {}
    chosen = []
    for item in load_training_corpus():
        key = (item.writer, item.category)
        if item.writer in {"A", "E", "F", "G"} and taken.get(key, 0) < PER_LABEL:
            taken[key] = taken.get(key, 0) + 1
            chosen.append(item)
    return chosen


def test_only_writers_of_every_label_in_comparable_numbers_are_held_out(three_writers):
    assert complete_writers(three_writers) == ["E", "F", "G"]
    assert "A" not in complete_writers(load_training_corpus())
    assert "D" not in complete_writers(load_training_corpus())  # 40 SPAM against 170 ELOGIO


def test_each_writer_is_predicted_by_a_model_that_never_saw_them(three_writers):
    held_out = leave_one_writer_out(SPECS["fast"], three_writers)

    assert [item.writer for item in held_out.items] == sorted(
        item.writer for item in three_writers if item.writer != "A"
    )
    assert held_out.probabilities.shape == (len(held_out.items), len(CATEGORIES))
    assert np.allclose(held_out.probabilities.sum(axis=1), 1.0)
    assert set(held_out.predicted) <= set(CATEGORIES)
    assert np.all(held_out.margin <= held_out.confidence)


def test_writers_trained_in_parallel_processes_get_the_same_predictions_in_the_same_order(
    three_writers,
):
    seen: list[str] = []
    one_by_one = leave_one_writer_out(SPECS["fast"], three_writers)
    parallel = leave_one_writer_out(SPECS["fast"], three_writers, processes=2, progress=seen.append)

    assert [id(item) for item in parallel.items] == [id(item) for item in one_by_one.items]
    assert np.array_equal(parallel.probabilities, one_by_one.probabilities)
    assert parallel.labels == one_by_one.labels
    assert seen == ["E", "F", "G"]


def test_expected_calibration_error_is_the_weighted_gap_between_confidence_and_accuracy():
    confidence = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, True, True, False])

    # bin 0.9–1.0: 0.95 vs 1.0; bin 0.5–0.6: 0.55 vs 0.5; each half of the items
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.05)


def test_review_thresholds_catch_the_most_errors_within_the_flagged_budget():
    confidence = np.array([0.99] * 8 + [0.5, 0.9])
    margin = np.array([0.98] * 8 + [0.1, 0.8])
    correct = np.array([True] * 8 + [False, False])

    chosen = choose_review_thresholds(confidence, margin, correct, max_flagged=0.2)

    assert (chosen.errors_caught, chosen.flagged) == (1.0, 0.2)
    again = review_rates(confidence, margin, correct, chosen.confidence_below, chosen.margin_below)
    assert again == chosen
    tight = choose_review_thresholds(confidence, margin, correct, max_flagged=0.1)
    assert (tight.errors_caught, tight.flagged) == (0.5, 0.1)  # only the least confident

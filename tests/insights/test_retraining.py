"""Learning from curators: reviewed comments are gold data; a worse retrained model is refused."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment, Status
from comments.review import comment_review
from comments.selectors import comments_reviewed_gold
from insights.classifiers.local.artifacts import artifact_path, load_model, load_or_build
from insights.classifiers.local.backend import LocalBackend
from insights.classifiers.local.corpus import EVAL_PATH, load_jsonl, load_training_corpus
from insights.models import EvaluationRun
from insights.retraining import Comparison
from tests.factories import CommentFactory, CuratorFactory, TagFactory


def run_command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def model_dir(settings, tmp_path, small_writer_corpus):
    """A MODEL_DIR of its own whose current default model was trained on a small corpus.

    The retraining commands then train on that corpus too (LOCAL_CLASSIFIER_CORPUS_DIR): the
    same code path as on the whole corpus, in seconds instead of minutes.
    """
    directory = tmp_path / "models"
    settings.MODEL_DIR = directory
    settings.LOCAL_CLASSIFIER_MODEL = "default"
    load_or_build("default", directory, small_writer_corpus)
    return directory


@pytest.mark.django_db
def test_review_sets_the_label_and_tags_and_makes_the_comment_gold():
    curator = CuratorFactory()
    TagFactory(code="show")
    comment = CommentFactory(status=Status.DONE, category="CRÍTICA", needs_review=True)
    CommentFactory(status=Status.DONE, category="ELOGIO")  # never reviewed: not gold

    comment_review(
        comment_id=str(comment.pk), reviewer=curator, category="ELOGIO", tag_codes=["show"]
    )

    comment.refresh_from_db()
    assert (comment.category, comment.category_set_by_human, comment.needs_review) == (
        "ELOGIO",
        True,
        False,
    )
    assert comment.reviewed_by == curator
    assert comment.reviewed_at is not None
    assert list(comments_reviewed_gold()) == [comment]
    assert [ct.tag.code for ct in comment.comment_tags.all()] == ["show"]


@pytest.mark.django_db
def test_evaluate_gold_reviewed_scores_the_curators_labels(local_backend):
    curator = CuratorFactory()
    for item in load_jsonl(EVAL_PATH)[:40]:
        comment = CommentFactory(text=item.text, status=Status.DONE, category="SPAM")
        comment_review(comment_id=str(comment.pk), reviewer=curator, category=item.category)

    output = run_command(
        "evaluate", "--gold", "reviewed", "--backend", "local", "--fail-under", "0"
    )

    run = EvaluationRun.objects.get()
    assert (run.dataset, run.item_count) == ("reviewed", 40)
    assert run.macro_f1 > 0.5, output
    assert "Revisão:" in output


@pytest.mark.django_db
def test_evaluate_refuses_gold_when_nothing_was_reviewed(local_backend):
    with pytest.raises(CommandError, match="Nenhum comentário revisado"):
        run_command("evaluate", "--gold", "reviewed", "--backend", "local")


@pytest.mark.django_db
def test_reviewed_comments_that_repeat_a_frozen_evaluation_text_are_not_trained_on():
    from insights.classifiers.local.corpus import (
        FRESH2_DIR,
        FRESH3_DIR,
        FRESH4_DIR,
        load_fresh_eval,
    )
    from insights.retraining import reviewed_for_training

    curator = CuratorFactory()
    own = "comentário revisado que não está em nenhum conjunto de avaliação"
    # Case and punctuation changed: the exclusion compares normalised texts.
    copies = [
        load_fresh_eval()[0].text.upper(),
        load_fresh_eval(FRESH2_DIR)[0].text + "!!",
        " " + load_fresh_eval(FRESH3_DIR)[-1].text,
        load_fresh_eval(FRESH4_DIR)[7].text.lower(),
    ]
    for text in [own, *copies]:
        comment = CommentFactory(text=text, status=Status.DONE, category="SPAM")
        comment_review(comment_id=str(comment.pk), reviewer=curator, category="ELOGIO")

    assert [item.text for item in reviewed_for_training()] == [own]


@pytest.mark.django_db
def test_retraining_with_wrong_corrections_is_refused(model_dir, small_writer_corpus):
    """Curators 'correct' every praise comment of the corpus to CRÍTICA through the review service.

    The retrained model learns the wrong labels, scores worse on the frozen fresh set, and the
    command refuses to replace the current artifact (a small corpus: the suite stays fast).
    """
    curator = CuratorFactory()
    corpus = load_training_corpus(small_writer_corpus)
    praise = [item.text for item in corpus if item.category == "ELOGIO"]
    comments = Comment.objects.bulk_create(
        Comment(text=text, status=Status.DONE, category="ELOGIO") for text in praise
    )
    for comment in comments:
        comment_review(comment_id=str(comment.pk), reviewer=curator, category="CRÍTICA")
    path = artifact_path("default", model_dir)
    current = load_model(path).version

    out = StringIO()
    with pytest.raises(CommandError, match="pior que o atual"):
        call_command("train_classifier", "--with-reviewed", "--skip-cv", stdout=out)

    assert "fresh: F1 macro atual" in out.getvalue()  # both sets printed, current and new
    assert "reviewed: F1 macro atual" in out.getvalue()
    assert load_model(path).version == current  # nothing replaced
    assert not list(model_dir.glob("*.tmp"))


@pytest.mark.parametrize(
    ("fresh", "gold", "promoted"),
    [
        ((0.93, 0.93), (0.80, 0.80), True),  # equal is enough
        ((0.93, 0.94), (0.80, 0.85), True),
        ((0.93, 0.92), (0.80, 0.99), False),  # worse on the frozen fresh set
        ((0.93, 0.95), (0.80, 0.79), False),  # worse on the reviewed comments
        ((None, 0.50), (None, 0.50), True),  # no current model to beat
        ((0.93, 0.93), (None, None), True),  # nothing reviewed yet
    ],
)
def test_a_candidate_is_promoted_only_when_not_worse_on_both_sets(fresh, gold, promoted):
    comparison = Comparison(
        fresh_current=fresh[0],
        fresh_candidate=fresh[1],
        gold_current=gold[0],
        gold_candidate=gold[1],
    )

    assert comparison.not_worse is promoted


@pytest.mark.django_db
def test_forced_promotion_keeps_the_artifact_current_for_the_corpus(model_dir, small_writer_corpus):
    """--force writes the candidate; its corpus version matches, so it is not rebuilt on load."""
    curator = CuratorFactory()
    [item] = list(load_training_corpus(small_writer_corpus)[:1])
    comment = CommentFactory(text=item.text + " (revisado)", status=Status.DONE, category="SPAM")
    comment_review(comment_id=str(comment.pk), reviewer=curator, category=item.category)
    path = artifact_path("default", model_dir)
    current = load_model(path)

    run_command("train_classifier", "--with-reviewed", "--skip-cv", "--force")

    promoted = load_model(path)
    assert (promoted.reviewed, promoted.corpus_version) == (1, current.corpus_version)
    assert promoted.version != current.version
    assert LocalBackend(variant="default", model_dir=model_dir).model.version == promoted.version

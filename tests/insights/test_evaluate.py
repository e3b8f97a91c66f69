"""`manage.py evaluate` and its metrics; the shipped model meets the quality bar on eval.jsonl."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insights.classifiers.local.corpus import EVAL_PATH
from insights.metrics import tag_scores
from insights.models import EvaluationRun

SMALL_DATASET = [
    ("amei o show de ontem, que energia 😍", "ELOGIO", ["show"]),
    ("o app fecha sozinho quando abro a playlist", "CRÍTICA", ["bug_app"]),
    ("que tal colocar letra sincronizada nas músicas?", "SUGESTÃO", ["letra_sincronizada"]),
    ("como baixo música pra ouvir offline?", "DÚVIDA", ["modo_offline"]),
    ("ganhe seguidores grátis no link da bio", "SPAM", ["promocao_externa", "link_externo"]),
]


@pytest.fixture
def small_dataset(tmp_path):
    path = tmp_path / "pequeno.jsonl"
    lines = [json.dumps({"texto": t, "categoria": c, "tags": tags}) for t, c, tags in SMALL_DATASET]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_evaluate(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_evaluate_prints_report_and_confusion_matrix_and_stores_the_run(
    local_backend, small_dataset
):
    output = run_evaluate(
        "--dataset", str(small_dataset), "--backend", "local", "--fail-under", "0"
    )

    assert "precision" in output
    assert "macro avg" in output
    assert "ELOGIO   CRÍTICA  SUGESTÃO    DÚVIDA      SPAM" in output
    assert "Tags micro: precisão" in output
    assert "Tags por código:" in output
    assert "show " in output.split("Tags por código:")[1]  # one line per code seen
    run = EvaluationRun.objects.get()
    assert (run.dataset, run.backend, run.item_count) == (str(small_dataset), "local", 5)
    assert run.model == "local-tfidf-lr+use"  # the default cascade
    assert run.confusion_matrix["labels"] == ["ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM"]
    assert sum(map(sum, run.confusion_matrix["matrix"])) == 5
    assert 0.0 <= run.macro_f1 <= 1.0
    assert set(run.metrics["tags"]) == {"micro", "macro", "per_code"}


@pytest.mark.django_db
def test_evaluate_fails_when_macro_f1_is_under_the_bar_and_still_stores_the_run(
    local_backend, small_dataset
):
    with pytest.raises(CommandError, match="abaixo do mínimo"):
        run_evaluate("--dataset", str(small_dataset), "--backend", "local", "--fail-under", "1.01")

    assert EvaluationRun.objects.count() == 1


@pytest.mark.django_db
def test_evaluate_refuses_a_missing_dataset(tmp_path):
    with pytest.raises(CommandError, match="não encontrado"):
        run_evaluate("--dataset", str(tmp_path / "nada.jsonl"), "--backend", "local")


@pytest.fixture
def eval_run(local_backend, db) -> tuple[EvaluationRun, str]:
    """The shipped default model evaluated on the real evaluation set."""
    output = run_evaluate("--dataset", str(EVAL_PATH), "--backend", "local", "--fail-under", "0.90")
    return EvaluationRun.objects.get(), output


def test_shipped_model_reaches_macro_f1_090_and_tag_precision_080_on_the_eval_set(eval_run):
    run, output = eval_run

    assert run.macro_f1 >= 0.90, output
    assert run.metrics["tags"]["micro"]["precision"] >= 0.80, output
    assert run.metrics["failed"] == []


def test_shipped_model_has_no_class_f1_below_085_on_the_eval_set(eval_run):
    run, output = eval_run

    assert min(run.metrics["per_class_f1"].values()) >= 0.85, output


def test_tag_scores_pool_micro_and_average_macro():
    truth = [{"show"}, {"show", "artista"}, set()]
    predicted = [{"show"}, {"show_ingresso"}, {"app"}]

    scores = tag_scores(truth, predicted)

    assert scores.micro_precision == pytest.approx(1 / 3)
    assert scores.micro_recall == pytest.approx(1 / 3)
    # codes: app (P0 R0), artista (P0 R0), show (P1 R.5), show_ingresso (P0 R0)
    assert scores.macro_precision == pytest.approx(1 / 4)
    assert scores.macro_recall == pytest.approx(0.5 / 4)
    assert scores.per_code["show"] == {
        "precision": 1.0,
        "recall": 0.5,
        "support": 2.0,
        "predicted": 1.0,
    }


@pytest.mark.django_db
def test_evaluate_runs_the_same_dataset_through_the_gemini_backend(
    settings, monkeypatch, small_dataset
):
    from insights.classifiers.gemini.backend import GeminiBackend
    from tests.fakes.gemini_server import FakeGemini

    with FakeGemini() as fake:
        settings.GOOGLE_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = fake.url
        settings.GEMINI_TIMEOUT_SECONDS = 5
        monkeypatch.setattr(GeminiBackend, "_shared", None)  # rebuilt from these settings

        output = run_evaluate(
            "--dataset", str(small_dataset), "--backend", "gemini", "--fail-under", "0"
        )

    assert "macro avg" in output
    run = EvaluationRun.objects.get()
    assert (run.backend, run.item_count) == ("gemini", 5)
    assert run.metrics["failed"] == []
    assert len(fake.requests) == 1  # the five comments went in one request
    assert run.macro_f1 == 1.0  # the fake's keyword rule gets these plain examples right


@pytest.mark.django_db
def test_evaluate_records_a_failed_gemini_call_as_failed_items_and_keeps_the_run(
    settings, monkeypatch, small_dataset
):
    from insights.classifiers.gemini.backend import GeminiBackend
    from tests.fakes.gemini_server import Behaviour, FakeGemini

    with FakeGemini() as fake:
        fake.script(Behaviour.invalid_argument())
        settings.GOOGLE_API_KEY = "test-key"
        settings.GEMINI_BASE_URL = fake.url
        monkeypatch.setattr(GeminiBackend, "_shared", None)

        with pytest.raises(CommandError):
            run_evaluate("--dataset", str(small_dataset), "--backend", "gemini")

    run = EvaluationRun.objects.get()
    assert run.macro_f1 == 0.0
    assert len(run.metrics["failed"]) == 5
    assert all("INVALID_ARGUMENT" in item["motivo"] for item in run.metrics["failed"])


@pytest.mark.django_db
def test_the_stored_run_reads_in_pt_br_on_its_admin_page(admin_client, small_dataset):
    from django.urls import reverse

    run_evaluate("--dataset", str(small_dataset), "--backend", "local", "--fail-under", "0")
    run = EvaluationRun.objects.get()

    response = admin_client.get(reverse("admin:insights_evaluationrun_change", args=[run.pk]))

    page = response.content.decode()
    assert "média macro" in page
    assert "média ponderada" in page
    assert "<td>macro avg</td>" not in page


FIRST_TITLE = "Primeiro conjunto novo congelado (eval_fresh/)"
SECOND_TITLE = "Segundo conjunto novo congelado (eval_fresh2/)"
THIRD_TITLE = "Terceiro conjunto novo congelado (eval_fresh3/)"
FOURTH_TITLE = "Quarto conjunto novo congelado (eval_fresh4/)"
LEGACY_TITLE = "Conjunto de avaliação antigo (eval.jsonl)"


@pytest.fixture
def default_run(local_backend, db) -> tuple[list[EvaluationRun], str]:
    """`evaluate` with no dataset: the stored runs in order, and the printed report.

    --fail-under 0 because eval_fresh2 … eval_fresh4 are scored by hand once per final
    candidate: no test may
    depend on, assert or print its scores (the assertions below keep them out of messages).
    """
    output = run_evaluate("--backend", "local", "--skip-lowo", "--fail-under", "0")
    return list(EvaluationRun.objects.order_by("pk")), output


def test_evaluate_without_a_dataset_scores_every_frozen_set_per_writer_and_eval_jsonl(
    default_run,
):
    (fresh, fresh2, fresh3, fresh4, legacy), output = default_run

    counts = [run.item_count for run in (fresh, fresh2, fresh3, fresh4, legacy)]
    assert counts == [650, 650, 650, 650, 450]
    assert fresh.dataset.endswith("eval_fresh")
    assert fresh2.dataset.endswith("eval_fresh2")
    assert fresh3.dataset.endswith("eval_fresh3")
    assert fresh4.dataset.endswith("eval_fresh4")
    assert set(fresh.metrics["per_writer"]) == {"X", "Y"}
    assert set(fresh2.metrics["per_writer"]) == {"W", "Z"}
    assert set(fresh3.metrics["per_writer"]) == {"AX", "AY"}
    assert set(fresh4.metrics["per_writer"]) == {"BA", "BB"}
    for later in (fresh2, fresh3, fresh4):
        assert set(later.metrics["review"]) == {"errors", "errors_flagged", "flagged"}
        assert later.metrics["failed"] == []
    first_set_report = output.split(SECOND_TITLE)[0]
    assert 0.0 <= fresh.metrics["ece"] <= 1.0
    assert set(fresh.metrics["review"]) == {"errors", "errors_flagged", "flagged"}
    assert "Revisão:" in first_set_report
    # The bar --fail-under 0.90 used to check here, and a regression guard below the 0.88
    # target the model misses on this set (MODEL.md).
    assert fresh.macro_f1 >= 0.90, first_set_report
    assert min(fresh.metrics["per_class_f1"].values()) >= 0.80, first_set_report


def test_evaluate_without_a_dataset_reports_each_frozen_set_under_its_own_title(default_run):
    _, output = default_run

    positions = [
        output.index(FIRST_TITLE),
        output.index("Redator X: F1 macro"),
        output.index("Redator Y: F1 macro"),
        output.index(SECOND_TITLE),
        output.index("Redator W: F1 macro"),
        output.index("Redator Z: F1 macro"),
        output.index(THIRD_TITLE),
        output.index("Redator AX: F1 macro"),
        output.index("Redator AY: F1 macro"),
        output.index(FOURTH_TITLE),
        output.index("Redator BA: F1 macro"),
        output.index("Redator BB: F1 macro"),
        output.index(LEGACY_TITLE),
    ]

    assert positions == sorted(positions)
    assert output.count("Redator W: F1 macro") == 1


@pytest.mark.django_db
def test_evaluate_checks_the_later_frozen_sets_against_the_bar_too(local_backend):
    with pytest.raises(CommandError) as raised:
        run_evaluate("--backend", "local", "--skip-lowo", "--fail-under", "1.01")

    # A boolean, so that a failing assertion cannot print the message (it holds the scores).
    for name in ("eval_fresh2", "eval_fresh3", "eval_fresh4"):
        listed = re.search(rf"{name}: F1 macro [\d.]+ abaixo do mínimo", str(raised.value))
        assert listed is not None
    assert EvaluationRun.objects.count() == 5  # every set is still stored


@pytest.mark.django_db
def test_evaluate_runs_leave_one_writer_out_with_progress_and_stores_it(
    settings, tmp_path, small_writer_corpus
):
    # The fast variant on four writers: the same command path as the default on the corpus.
    settings.MODEL_DIR = tmp_path / "models"
    settings.LOCAL_CLASSIFIER_MODEL = "fast"
    out, err = StringIO(), StringIO()

    call_command("evaluate", "--backend", "local", "--fail-under", "0", stdout=out, stderr=err)

    lowo = EvaluationRun.objects.get(dataset="lowo")
    assert lowo.model == "local-tfidf-lr"
    assert lowo.item_count == 789  # every item of the four writers, each held out once
    assert set(lowo.metrics["per_writer"]) == {"M", "N", "O", "Q"}
    assert set(lowo.metrics["tags"]) == {"micro", "macro", "per_code"}
    report = out.getvalue().split("Validação cruzada deixando um redator de fora")[1]
    assert "Conjunto lowo: 789 itens" in report
    assert all(f"Redator {writer}: F1 macro" in report for writer in "MNOQ")
    progress = err.getvalue()
    assert "redatores: 100%" in progress
    assert "4/4" in progress

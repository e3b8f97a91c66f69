"""Large exports run as jobs (issue 8): the CSV written by PostgreSQL's COPY carries the same
cells as the formats written row by row, follows the curator's filter and reports progress."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comments import exporting
from comments.exporting import export_headers, export_job_create, export_job_run, export_path
from comments.models import Category, Comment, CommentTag, ExportJob, ExportStatus, Status
from tests.factories import CommentFactory, TagFactory

pytestmark = pytest.mark.django_db

TRICKY_TEXT = '=SOMA(A1) com "aspas", vírgula\ne uma segunda linha'


@pytest.fixture
def comments() -> list[Comment]:
    """A classified comment with two tags and every awkward cell, and a bare pending one."""
    tagged = CommentFactory(
        text=TRICKY_TEXT,
        status=Status.DONE,
        category=Category.CRITICISM,
        confidence=0.8125,
        needs_review=True,
        classifier_backend="local",
        received_at=datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC),
    )
    for code in ("qualidade_audio", "app"):
        CommentTag.objects.create(comment=tagged, tag=TagFactory(code=code), explanation="x")
    pending = CommentFactory(text="Amei o show", received_at=datetime(2026, 11, 29, 8, tzinfo=UTC))
    return [tagged, pending]


def _export(queryset, file_format: str, user) -> tuple[ExportJob, Path]:
    job = export_job_create(queryset=queryset, file_format=file_format, user=user, total=0)
    export_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    return job, export_path(job)


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_csv_job_writes_each_comment_with_sorted_tags_and_escaped_formulas(
    settings, tmp_path, curator, comments
):
    settings.EXPORT_DIR = tmp_path
    tagged, pending = comments

    job, path = _export(Comment.objects.order_by("-received_at"), "csv", curator)

    assert job.status == ExportStatus.DONE
    assert job.rows_written == 2
    assert _csv_rows(path) == [
        export_headers(),
        [str(tagged.pk), "'" + TRICKY_TEXT, "CONCLUIDO", "CRÍTICA", "0.8125",
         "app, qualidade_audio", "2026-11-30T12:00:00.123456+00:00", "api", "True", "local"],
        [str(pending.pk), "Amei o show", "PENDENTE", "", "", "", "2026-11-29T08:00:00+00:00",
         "api", "False", ""],
    ]  # fmt: skip


def test_csv_job_has_the_same_cells_as_the_json_job(settings, tmp_path, curator, comments):
    settings.EXPORT_DIR = tmp_path
    queryset = Comment.objects.order_by("received_at")

    _job, csv_path = _export(queryset, "csv", curator)
    _job, json_path = _export(queryset, "json", curator)

    items = json.loads(json_path.read_text(encoding="utf-8"))
    # JSON is read by programs: its texts stay verbatim, so only the CSV escapes the formula.
    expected = [
        [exporting.escape_formula("" if value is None else str(value)) for value in item.values()]
        for item in items
    ]
    assert _csv_rows(csv_path)[1:] == expected


def test_csv_job_exports_only_the_filtered_comments(settings, tmp_path, curator, comments):
    settings.EXPORT_DIR = tmp_path
    CommentFactory(text="Que álbum", status=Status.DONE, category=Category.PRAISE, confidence=0.9)

    _job, path = _export(Comment.objects.filter(category=Category.PRAISE), "csv", curator)

    assert [row[1] for row in _csv_rows(path)[1:]] == ["Que álbum"]


def test_csv_job_of_a_tag_filter_writes_each_comment_once_with_the_export_columns(
    settings, tmp_path, curator, comments
):
    settings.EXPORT_DIR = tmp_path
    tagged, _pending = comments
    # What the admin builds for a filter across the tags: a join, so a DISTINCT.
    queryset = (
        Comment.objects.filter(tags__code__in=["app", "qualidade_audio"])
        .order_by("-received_at", "-id")
        .distinct()
    )

    _job, path = _export(queryset, "csv", curator)

    rows = _csv_rows(path)
    assert [row[0] for row in rows[1:]] == [str(tagged.pk)]
    assert {len(row) for row in rows} == {len(export_headers())}


@pytest.mark.django_db(transaction=True)
def test_csv_job_outside_a_transaction_records_progress_and_finishes(
    settings, tmp_path, monkeypatch, curator, comments
):
    settings.EXPORT_DIR = tmp_path
    # Progress after every row: written through its own connection while COPY streams.
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 1)

    job, path = _export(Comment.objects.all(), "csv", curator)

    assert job.status == ExportStatus.DONE
    assert job.rows_written == 2
    assert len(_csv_rows(path)) == 3

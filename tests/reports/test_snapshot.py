"""snapshot_build: the numbers of the report, aggregated in SQL, and the lock around it."""

from __future__ import annotations

import base64
import io
import threading
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from comments.models import Comment, Status
from reports import charts, services
from reports.charts import PNG_COLORS
from reports.locks import transaction_lock_try
from reports.models import DailyRollup, ReportSnapshot

pytestmark = pytest.mark.django_db

EXPECTED_CHARTS = [
    "categorias",
    "volume_diario",
    "tags_48h",
    "confianca_elogio_critica",
    "elogio_vs_critica",
    "confianca_media",
    "volume_semanal",
    "tags_em_alta",
]


def test_the_snapshot_counts_categories_statuses_and_the_review_backlog(make_classified):
    make_classified(3, "ELOGIO")
    make_classified(2, "CRÍTICA", confidence=0.4, needs_review=True)
    Comment.objects.create(text="Ainda na fila")

    payload = services.snapshot_build().payload

    assert payload["total_comentarios"] == 6
    assert payload["por_categoria"] == {
        "ELOGIO": 3, "CRÍTICA": 2, "SUGESTÃO": 0, "DÚVIDA": 0, "SPAM": 0,
    }  # fmt: skip
    assert payload["por_status"]["PENDENTE"] == 1
    assert payload["por_status"]["CONCLUIDO"] == 5
    assert payload["revisao_pendente"] == 2
    assert payload["confianca_media"]["CRÍTICA"] == pytest.approx(0.4)


def test_daily_and_weekly_volumes_place_comments_on_their_days(make_classified):
    make_classified(4, "ELOGIO", days_ago=0)
    make_classified(2, "SPAM", days_ago=13)
    make_classified(5, "SPAM", days_ago=20)  # outside the 14 days, inside the 8 weeks

    payload = services.snapshot_build().payload

    daily = payload["volume_diario"]
    assert len(daily["dias"]) == 14
    assert daily["series"]["ELOGIO"][-1] == 4
    assert daily["series"]["SPAM"][0] == 2
    assert sum(daily["series"]["SPAM"]) == 2
    weekly = payload["volume_semanal"]
    assert len(weekly["semanas"]) == 8
    assert sum(weekly["series"]["SPAM"]) == 7


def test_top_tags_of_48h_and_7_days_and_rising_tags(settings, make_classified):
    settings.REPORT_RISING_MIN_COUNT = 5
    make_classified(12, "CRÍTICA", days_ago=0.5, tags=("bug_app",))
    make_classified(3, "ELOGIO", days_ago=4, tags=("album",))
    make_classified(2, "CRÍTICA", days_ago=10, tags=("bug_app",))  # the baseline weeks

    payload = services.snapshot_build().payload

    assert payload["tags_48h"] == [{"codigo": "bug_app", "comentarios": 12}]
    assert payload["tags_7d"] == [
        {"codigo": "bug_app", "comentarios": 12},
        {"codigo": "album", "comentarios": 3},
    ]
    rising = payload["tags_em_alta"]
    assert [tag["codigo"] for tag in rising] == ["bug_app"]
    assert rising[0]["media_semanas_anteriores"] == 0.5
    assert rising[0]["variacao"] == 23.0


def test_praise_criticism_ratio_and_its_trend(make_classified):
    make_classified(6, "ELOGIO", days_ago=0)
    make_classified(2, "CRÍTICA", days_ago=0)
    make_classified(2, "ELOGIO", days_ago=7)
    make_classified(2, "CRÍTICA", days_ago=7)

    ratio = services.snapshot_build().payload["elogio_critica"]

    assert ratio["elogios"] == 8
    assert ratio["criticas"] == 4
    assert ratio["razao"] == 2.0
    assert len(ratio["tendencia"]) == 8


def test_every_chart_is_drawn_as_a_parsable_svg_and_a_decodable_png(make_classified):
    make_classified(5, "ELOGIO", tags=("album",))

    charts = services.snapshot_build().charts

    assert [chart["chave"] for chart in charts] == EXPECTED_CHARTS
    for chart in charts:
        root = ElementTree.fromstring(chart["svg"])
        assert root.tag.endswith("svg")
        assert root.find("{http://www.w3.org/2000/svg}title").text == chart["titulo"]
        image = Image.open(io.BytesIO(base64.b64decode(chart["png_base64"])))
        assert image.format == "PNG"
        assert image.size[0] >= 600
        assert image.mode == "P"  # a palette: the base64 the JSON API carries stays small
        assert len(image.getcolors()) <= PNG_COLORS
        assert chart["tabela"]["colunas"]


def test_unchanged_charts_are_reused_not_redrawn(make_classified):
    make_classified(5, "ELOGIO")
    first = services.snapshot_build()

    second = services.snapshot_build()

    assert [c["svg"] for c in second.charts] == [c["svg"] for c in first.charts]
    assert second.digest == first.digest


def test_the_build_aggregates_in_sql_with_a_fixed_number_of_queries(settings, make_classified):
    settings.REPORT_SPIKE_MIN_COUNT = 10**6  # an alert row costs its own queries
    services.snapshot_build()  # first build: full rollup
    make_classified(50, "ELOGIO", tags=("album",))
    with CaptureQueriesContext(connection) as few:
        services.snapshot_build(full=True)
    make_classified(500, "CRÍTICA", tags=("bug_app", "show"))

    with CaptureQueriesContext(connection) as many:
        services.snapshot_build(full=True)

    assert len(many) == len(few)


def test_a_recent_only_build_leaves_older_days_of_the_rollup_alone(settings, make_classified):
    settings.REPORT_ROLLUP_RECENT_DAYS = 2
    make_classified(3, "ELOGIO", days_ago=10)
    services.snapshot_build(full=True)
    Comment.objects.filter(status=Status.DONE).update(category="SPAM")

    assert services.snapshot_build(full=False).payload["por_categoria"]["ELOGIO"] == 3
    assert services.snapshot_build(full=True).payload["por_categoria"]["SPAM"] == 3
    assert DailyRollup.objects.filter(category="ELOGIO").count() == 0


def test_the_first_build_and_stale_ones_recompute_every_day(settings):
    first = services.snapshot_build()
    second = services.snapshot_build()
    settings.REPORT_ROLLUP_FULL_EVERY_SECONDS = 0

    assert first.full_rollup is True
    assert second.full_rollup is False
    assert services.snapshot_build().full_rollup is True


def test_old_snapshots_are_pruned(settings):
    settings.REPORT_SNAPSHOTS_KEPT = 2
    for _ in range(4):
        services.snapshot_build()

    assert ReportSnapshot.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_build_while_another_holds_the_lock_is_skipped():
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        from django.db import connection as thread_connection
        from django.db import transaction

        with transaction.atomic():
            assert transaction_lock_try(services.SNAPSHOT_LOCK)
            holding.set()
            release.wait(10)
        thread_connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(10)
    try:
        assert services.snapshot_build() is None
    finally:
        release.set()
        holder.join()
    assert services.snapshot_build() is not None
    assert ReportSnapshot.objects.count() == 1


def test_a_few_new_comments_redraw_labelled_charts_and_keep_bars_that_would_not_move(
    make_classified,
):
    make_classified(1500, "ELOGIO")
    first = {chart["chave"]: chart for chart in services.snapshot_build().charts}
    make_classified(1, "ELOGIO")  # 1/1500 of the tallest bar: under a pixel

    second = {chart["chave"]: chart for chart in services.snapshot_build().charts}

    assert second["volume_diario"]["svg"] == first["volume_diario"]["svg"]
    assert second["volume_diario"]["tabela"]["linhas"][-1][-1] == 1501  # today's total
    assert second["categorias"]["svg"] != first["categorias"]["svg"]  # its bars are labelled


def test_bars_are_compared_at_a_step_under_a_pixel_that_stays_put_as_they_grow():
    small_change = charts.picture_of(["a", "b"], [[30_000, 12_000]])
    after_a_beat = charts.picture_of(["a", "b"], [[30_020, 12_000]])
    visible_change = charts.picture_of(["a", "b"], [[30_400, 12_000]])

    assert small_change == after_a_beat
    assert visible_change != small_change


def test_a_recent_build_counts_new_tags_in_the_rollup_and_the_48_hours(make_classified):
    make_classified(2, "CRÍTICA", days_ago=5, tags=("bug_app",))
    services.snapshot_build(full=True)
    make_classified(3, "CRÍTICA", days_ago=0, tags=("bug_app",))
    make_classified(1, "ELOGIO", days_ago=0, tags=("album",))

    payload = services.snapshot_build(full=False).payload

    assert payload["tags_48h"] == [
        {"codigo": "bug_app", "comentarios": 3},
        {"codigo": "album", "comentarios": 1},
    ]
    assert payload["tags_7d"][0] == {"codigo": "bug_app", "comentarios": 5}

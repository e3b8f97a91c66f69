"""The beat-scheduled snapshot task, run by a real Celery worker, feeds the public page."""

from __future__ import annotations

import pytest
from django.test import Client

from reports.models import ReportSnapshot
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.e2e

FAST_BEAT = {"REPORT_SNAPSHOT_INTERVAL_SECONDS": "1", "SWEEPER_INTERVAL_SECONDS": "3600"}


def _latest_total() -> int | None:
    snapshot = ReportSnapshot.objects.order_by("-built_at", "-id").first()
    return snapshot.payload["total_comentarios"] if snapshot else None


def test_the_beat_snapshot_task_in_a_worker_puts_new_numbers_on_the_page(
    transactional_db, clean_broker, tmp_path, make_classified
):
    make_classified(17, "ELOGIO", tags=("album",))
    page = Client()
    assert "ainda está sendo preparado" in page.get("/relatorio/").content.decode()

    with running_worker(tmp_path, env=FAST_BEAT, beat=True, queues="reports"):
        wait_for(lambda: _latest_total() == 17, timeout=60, message="no snapshot with 17")
        first = page.get("/relatorio/").content.decode()
        make_classified(25, "CRÍTICA", tags=("bug_app",))
        # make_classified stores the comments before their tags: a build may fall in between,
        # so wait for one that has both (the next beat builds again within a second).
        wait_for(
            lambda: _latest_total() == 42 and "bug_app" in page.get("/relatorio/").content.decode(),
            timeout=60,
            message="no snapshot with 42 comments and their tags",
        )
        second = page.get("/relatorio/").content.decode()

    assert ">17<" in first
    assert ">42<" in second
    assert "bug_app" in second
    json_body = page.get("/api/relatorio/semana").json()
    assert json_body["dados"]["por_categoria"]["CRÍTICA"] == 25
    assert len(json_body["graficos"]) == 8


def test_a_build_with_a_new_alert_has_a_worker_email_it(
    transactional_db, clean_broker, tmp_path, make_classified, settings
):
    from reports.models import SpikeAlert, Stakeholder
    from reports.services import snapshot_build

    settings.REPORT_SPIKE_MIN_COUNT = 10
    Stakeholder.objects.create(email="alertas@alumusic.com.br", alerts_opt_in=True)
    for week in range(1, 5):
        make_classified(2, "CRÍTICA", days_ago=7 * week + 1, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))

    with running_worker(tmp_path, queues="reports"):
        snapshot_build()  # its commit sends snapshot_built; the receiver enqueues the e-mail
        wait_for(
            lambda: SpikeAlert.objects.filter(notified_at__isnull=False).exists(),
            timeout=60,
            message="the worker never sent the alert",
        )

    assert SpikeAlert.objects.get().subject == "bug_app"

"""Spike alerts: z-score against previous weeks, minimum volume, recorded once, e-mailed."""

from __future__ import annotations

import pytest

from reports import mail, selectors, services
from reports.alerts import zscore
from reports.models import AlertKind, SpikeAlert, Stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.REPORT_SPIKE_ZSCORE = 3.0
    settings.REPORT_SPIKE_MIN_COUNT = 10
    settings.REPORT_SPIKE_BASELINE_WEEKS = 4


def steady_weeks(make_classified, category: str, per_week: int, **kwargs) -> None:
    for week in range(1, 5):
        make_classified(per_week, category, days_ago=7 * week + 1, **kwargs)


def test_zscore_uses_the_floor_when_the_baseline_is_flat():
    assert zscore(10, [2, 2, 2, 2], std_floor=2.0) == 4.0


def test_a_tag_far_above_its_previous_weeks_raises_an_alert(make_classified):
    steady_weeks(make_classified, "CRÍTICA", 2, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))

    services.snapshot_build()

    alert = SpikeAlert.objects.get(kind=AlertKind.TAG)
    assert alert.subject == "bug_app"
    assert alert.comment_count == 30
    assert alert.baseline == 2.0
    assert alert.zscore >= 3


def test_a_tag_below_the_minimum_volume_raises_nothing(make_classified):
    make_classified(8, "CRÍTICA", tags=("bug_app",))

    services.snapshot_build()

    assert not SpikeAlert.objects.filter(kind=AlertKind.TAG).exists()


def test_a_steady_tag_raises_nothing(make_classified):
    steady_weeks(make_classified, "ELOGIO", 20, tags=("album",))
    make_classified(22, "ELOGIO", tags=("album",))

    services.snapshot_build()

    assert not SpikeAlert.objects.exists()


def test_a_jump_in_the_criticism_share_raises_an_alert(make_classified):
    for week in range(1, 5):
        make_classified(18, "ELOGIO", days_ago=7 * week + 1)
        make_classified(2, "CRÍTICA", days_ago=7 * week + 1)
    make_classified(10, "ELOGIO")
    make_classified(10, "CRÍTICA")

    services.snapshot_build()

    alert = SpikeAlert.objects.get(kind=AlertKind.CRITICISM_SHARE)
    assert alert.value == 0.5
    assert alert.baseline == 0.1


def test_an_alert_is_recorded_once_per_week_and_refreshed(make_classified):
    steady_weeks(make_classified, "CRÍTICA", 2, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))
    services.snapshot_build()
    make_classified(10, "CRÍTICA", tags=("bug_app",))

    services.snapshot_build()

    alert = SpikeAlert.objects.get(kind=AlertKind.TAG)
    assert alert.comment_count == 40


def test_active_alerts_are_selected_for_the_dashboard(make_classified):
    steady_weeks(make_classified, "CRÍTICA", 2, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))
    snapshot = services.snapshot_build()

    assert [a.subject for a in selectors.alerts_active()] == ["bug_app"]
    assert snapshot.payload["alertas"][0]["assunto"] == "bug_app"


def test_alerts_are_emailed_once_to_stakeholders_who_opted_in(make_classified, mailoutbox):
    Stakeholder.objects.create(email="opt-in@alumusic.com.br", alerts_opt_in=True)
    Stakeholder.objects.create(email="so-resumo@alumusic.com.br")
    steady_weeks(make_classified, "CRÍTICA", 2, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))
    services.snapshot_build()

    assert mail.alerts_notify() == 1
    assert mail.alerts_notify() == 0

    assert [m.to for m in mailoutbox] == [["opt-in@alumusic.com.br"]]
    message = mailoutbox[0]
    assert "A tag bug_app apareceu em 30 comentários" in message.body
    assert "A tag bug_app apareceu em 30 comentários" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

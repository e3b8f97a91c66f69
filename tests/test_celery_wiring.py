"""The Celery app is wired for reliability and a real worker process answers."""

from __future__ import annotations

import pytest

from alumusic.celery import app


def test_reliability_settings_match_design():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


@pytest.mark.e2e
def test_real_worker_answers_a_ping(celery_worker):
    replies = app.control.ping(timeout=2)
    assert replies

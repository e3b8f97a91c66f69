"""The Celery application shared by the web process, the workers and beat."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alumusic.settings")

app = Celery("alumusic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def lower_worker_priority(**_kwargs: Any) -> None:
    """Renice the worker before it forks its pool (settings.WORKER_NICENESS)."""
    if settings.WORKER_NICENESS:
        os.nice(settings.WORKER_NICENESS)

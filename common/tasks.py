"""Celery tasks of the shared plumbing: the worker heartbeat read by /readyz."""

from __future__ import annotations

import socket

from celery import shared_task

from common.heartbeat import heartbeat_write


@shared_task(name="common.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat task on the default queue: proves beat schedules, the broker delivers, a worker runs."""
    heartbeat_write(worker=socket.gethostname())

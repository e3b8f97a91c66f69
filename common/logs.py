"""Log correlation: a request id per HTTP request and the task id per Celery task, on every record.

`RequestIdMiddleware` takes the proxy's `X-Request-ID` when it is a sane token (else makes one),
keeps it in a context variable for the request and sends it back in the response header.
`ContextFilter`, on every handler, copies it and the current Celery task's id and name onto each
log record, so the JSON formatter of production (python-json-logger) prints them as fields.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from celery import current_task
from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# A client-sent id is echoed into logs and headers: only short, plain tokens are taken.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request this code runs for, or "" outside a request."""
    return _request_id.get()


class RequestIdMiddleware:
    """Give each request an id (the proxy's, when safe), for its log lines and its response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = sent if _SAFE_ID.match(sent) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` to every record ("" when not in one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = current_task
        request = getattr(task, "request", None) if task else None
        task_id = getattr(request, "id", None) or ""
        # setattr: LogRecord declares no such attributes; formatters read them by name.
        setattr(record, "request_id", _request_id.get())  # noqa: B010
        setattr(record, "task_id", task_id)  # noqa: B010
        setattr(record, "task_name", (getattr(task, "name", None) or "") if task_id else "")  # noqa: B010
        return True

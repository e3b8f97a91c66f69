"""Production logs are JSON lines carrying the request id (and the task id in workers)."""

from __future__ import annotations

import importlib
import io
import json
import logging

from django.test import Client

from common.logs import REQUEST_ID_HEADER, ContextFilter
from common.redaction import RedactingFilter


def test_each_response_carries_a_request_id_and_a_safe_one_sent_is_kept(db):
    generated = Client().get("/healthz")
    kept = Client().get("/healthz", headers={REQUEST_ID_HEADER: "proxy-abc-12345"})
    unsafe = Client().get("/healthz", headers={REQUEST_ID_HEADER: "x\r\nSet-Cookie: a=b"})

    assert len(generated[REQUEST_ID_HEADER]) == 32
    assert kept[REQUEST_ID_HEADER] == "proxy-abc-12345"
    assert unsafe[REQUEST_ID_HEADER] != "x\r\nSet-Cookie: a=b"


def test_the_json_format_writes_one_object_per_line_with_the_context_fields(settings):
    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter_class = spec.pop("()")
    module, name = formatter_class.rsplit(".", 1)
    formatter = getattr(importlib.import_module(module), name)(
        spec.pop("format"), rename_fields=spec.pop("rename_fields")
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    try:
        logger.warning("hello %s", "world")
    finally:
        logger.removeHandler(handler)

    line = json.loads(stream.getvalue())
    assert line["message"] == "hello world"
    assert {"time", "level", "logger", "request_id", "task_id", "task_name"} <= line.keys()

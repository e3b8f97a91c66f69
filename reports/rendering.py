"""The report's two representations, rendered once per snapshot and kept in process memory.

Every request checks which snapshot is the newest (one indexed row); the page or JSON of that
snapshot is rendered on the first request that needs it and then served from memory, so a
request never aggregates, draws or even re-renders (DESIGN §8: p50 < 10 ms, ≥ 1,000 req/s).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .models import ReportSnapshot
from .presentation import page_context


@dataclass(frozen=True)
class Rendered:
    snapshot_id: int
    etag: str
    last_modified: float  # POSIX seconds
    body: bytes
    gzipped: bytes  # compressed once here, not per request


_MEMO: dict[str, Rendered] = {}
_MEMO_LOCK = threading.Lock()
# Which snapshot is the newest is re-checked at most every REPORT_VERSION_CHECK_SECONDS per
# process: the beat builds one a minute, and the responses say max-age=5 anyway.
_version: tuple[float, tuple[int, str] | None] = (0.0, None)


def _latest_version() -> tuple[int, str] | None:
    global _version
    checked_at, version = _version
    now = time.monotonic()
    if version is None or now - checked_at >= settings.REPORT_VERSION_CHECK_SECONDS:
        version = selectors.report_latest_version()
        _version = (now, version)
    return version


def _latest(kind: str, render: Callable[[ReportSnapshot], bytes]) -> Rendered | None:
    version = _latest_version()
    if version is None:
        return None
    snapshot_id, digest = version
    cached = _MEMO.get(kind)
    if cached is not None and cached.snapshot_id == snapshot_id and digest in cached.etag:
        return cached
    snapshot = selectors.report_get(snapshot_id)
    body = render(snapshot)
    rendered = Rendered(
        snapshot_id=snapshot_id,
        etag=f'"{digest}-{kind}"',
        last_modified=snapshot.built_at.timestamp(),
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
    )
    with _MEMO_LOCK:
        _MEMO[kind] = rendered
    return rendered


def report_page_latest() -> Rendered | None:
    """The HTML of the newest snapshot, or None before the first build."""
    return _latest("html", _render_page)


def report_json_latest() -> Rendered | None:
    """The `/api/relatorio/semana` body of the newest snapshot, or None before the first."""
    return _latest("json", _render_json)


def _render_page(snapshot: ReportSnapshot) -> bytes:
    return render_to_string("reports/report.html", page_context(snapshot)).encode()


def report_json_body(snapshot: ReportSnapshot | None) -> dict[str, Any]:
    """What existing clients render: the PNG charts in base64, the numbers, the build time."""
    if snapshot is None:
        return {"graficos": [], "dados": {}, "atualizado_em": None}
    return {
        "graficos": [
            {"titulo": chart["titulo"], "imagem_base64": chart["png_base64"]}
            for chart in snapshot.charts
        ],
        "dados": snapshot.payload,
        "atualizado_em": timezone.localtime(snapshot.built_at).isoformat(),
    }


def _render_json(snapshot: ReportSnapshot) -> bytes:
    return json.dumps(report_json_body(snapshot), ensure_ascii=False).encode()


def memo_clear() -> None:
    """Forget rendered bodies and the newest version (tests)."""
    global _version
    with _MEMO_LOCK:
        _MEMO.clear()
        _version = (0.0, None)

"""The client's IP address behind a known number of trusted reverse proxies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address that connected to the outermost trusted proxy (or to us, with none).

    Each trusted proxy appends the address it saw to X-Forwarded-For, so only the last
    TRUSTED_PROXY_COUNT entries are facts; anything to their left was written by the client
    and would let it pick a new "IP" per request. DRF's throttles use the same rule
    (NUM_PROXIES is set to the same count), so lockouts and rate limits agree.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]

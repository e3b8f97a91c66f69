"""django-axes hooks: how a login attempt names its account, and what a locked-out client sees."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

_API_PREFIXES = ("/api/", "/auth/")


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account an attempt targets, spelled as login spells it (trimmed, lower case).

    The API passes `username=`; the admin's form posts `username`. Without one spelling,
    "Ana@x" and "ana@x" would count their failures apart.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(raw).strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """429 with Retry-After: JSON on the API, a pt-BR page on the admin's login."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, -(-seconds // 60))
    message = _(
        "Muitas tentativas de login malsucedidas. Tente de novo em %(minutes)d minuto(s)."
    ) % {"minutes": minutes}
    if request.path.startswith(_API_PREFIXES):
        response: HttpResponse = JsonResponse(
            {"erro": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(request, "accounts/lockout.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response

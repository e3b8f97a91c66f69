"""The public report page and the e-mail unsubscribe page (plain Django views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import mail, services
from .rendering import Rendered, report_page_latest


def cached_response(
    request: HttpRequest, rendered: Rendered, content_type: str
) -> HttpResponseBase:
    """`rendered` with its validators, or `304` when the client already has it."""
    response = get_conditional_response(
        request, etag=rendered.etag, last_modified=int(rendered.last_modified)
    )
    if response is None:
        response = _body_response(request, rendered, content_type)
    response["ETag"] = rendered.etag
    response["Last-Modified"] = http_date(rendered.last_modified)
    patch_cache_control(response, public=True, max_age=settings.REPORT_CACHE_SECONDS)
    return response


def _body_response(request: HttpRequest, rendered: Rendered, content_type: str) -> HttpResponse:
    # The body is ~5x smaller gzipped; compressed once per snapshot, not per request.
    wants_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    if wants_gzip:
        response = HttpResponse(rendered.gzipped, content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(rendered.body, content_type=content_type)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@require_http_methods(["GET", "HEAD"])
def report_page(request: HttpRequest) -> HttpResponseBase:
    """`/relatorio/`: the newest snapshot, or a page saying the first one is on its way."""
    rendered = report_page_latest()
    if rendered is None:
        response = render(request, "reports/report_empty.html")
        patch_cache_control(response, public=True, max_age=settings.REPORT_CACHE_SECONDS)
        return response
    return cached_response(request, rendered, "text/html; charset=utf-8")


@csrf_exempt  # the signed token is the credential; mail clients POST without a CSRF cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a one-button confirmation; POST (the button, or a mail client's RFC 8058
    one-click request) unsubscribes. A GET never changes anything: link scanners follow links."""
    stakeholder = mail.stakeholder_from_token(token)
    if stakeholder is None:
        return render(request, "reports/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.stakeholder_unsubscribe(stakeholder=stakeholder)
        return render(
            request, "reports/unsubscribe.html", {"done": True, "email": stakeholder.email}
        )
    return render(request, "reports/unsubscribe.html", {"email": stakeholder.email, "token": token})

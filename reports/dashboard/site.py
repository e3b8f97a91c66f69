"""The admin site of the project: Django's, with the curators' dashboard as its index page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path

from reports.dashboard.views import dashboard_context, dashboard_json


class CuradoriaAdminSite(admin.AdminSite):
    """Adds the dashboard to the index and its JSON refresh at `painel.json`."""

    index_template = "admin/dashboard.html"

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        extra = {**dashboard_context(), "dashboard_json_url": "painel.json"}
        response = super().index(request, {**extra, **(extra_context or {})})
        assert isinstance(response, TemplateResponse)
        return response

    def dashboard_json_view(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(dashboard_json(), json_dumps_params={"ensure_ascii": False})

    def get_urls(self) -> list[Any]:
        extra = [
            path("painel.json", self.admin_view(self.dashboard_json_view), name="dashboard_json")
        ]
        return extra + super().get_urls()

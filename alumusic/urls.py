"""Top-level URL map: landing page, admin, auth, API (legacy routes and /api/v1/), docs."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from common.views import healthz, readyz

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("auth/", include("accounts.urls")),
    path("relatorio/", include("reports.urls")),
    path("api/", include("comments.urls")),
    path("api/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger's init script from a URL: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# Unknown paths and crashes outside DRF: JSON under /api/ and /auth/, pt-BR pages elsewhere.
handler400 = "alumusic.exception_handler.bad_request"
handler403 = "alumusic.exception_handler.permission_denied"
handler404 = "alumusic.exception_handler.page_not_found"
handler500 = "alumusic.exception_handler.server_error"

"""OpenAPI: the project's JWT authentication documented as drf-spectacular's JWT scheme."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class VersionedJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.VersionedJWTAuthentication"

"""The OpenAPI schema is valid OpenAPI 3 and the docs pages load nothing from the network."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

LEGACY_PATHS = (
    "/auth/register",
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
    "/api/comentarios",
    "/api/comentarios/{comment_id}",
    "/api/llm/analyze",
    "/api/v1/comentarios",
    "/api/v1/comentarios/{comment_id}",
    "/api/v1/comentarios/upload",
    "/api/relatorio/semana",
    "/api/stakeholders",
    "/api/stakeholders/{stakeholder_id}",
    "/api/insights/perguntar",
)


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_validates_as_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_documents_the_contract_routes(schema):
    assert set(LEGACY_PATHS) <= set(schema["paths"])
    list_parameters = {p["name"] for p in schema["paths"]["/api/comentarios"]["get"]["parameters"]}
    assert {"search", "status", "category", "format", "limit"} <= list_parameters
    v1_parameters = {p["name"] for p in schema["paths"]["/api/v1/comentarios"]["get"]["parameters"]}
    assert {"cursor", "ordering", "status", "category", "search"} <= v1_parameters
    assert "202" in schema["paths"]["/api/comentarios"]["post"]["responses"]


def test_the_schema_declares_jwt_and_token_authentication(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {s.get("scheme") for s in schemes.values()} >= {"bearer"}
    assert any(s.get("name") == "Authorization" and s["type"] == "apiKey" for s in schemes.values())


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_reference_only_local_urls(api_client, path):
    response = api_client.get(path)
    html = response.content.decode()
    parser = _References()
    parser.feed(html)

    assert response.status_code == 200
    assert parser.urls, "the page should load its assets"
    assert all(url.startswith("/") and not url.startswith("//") for url in parser.urls)
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)


def test_the_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())

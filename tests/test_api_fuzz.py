"""schemathesis against the OpenAPI schema: generated requests to every operation, no 5xx.

Bounded to a few examples per operation so it stays in the ordinary suite; it runs in-process
through the WSGI application, on the test database, as an authenticated API client.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import ApiClientFactory


def _openapi() -> dict:
    # Generated in-process at collection (Django is set up by then); no request is made.
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_openapi())
schema.app = get_wsgi_application()  # what from_wsgi() sets, without fetching the schema


@pytest.fixture(autouse=True)
def _in_process_requests(db):
    cache.clear()  # throttles count in the cache
    # As Django's test client does: a request must not close the test's open transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # On pytest 9 an unparametrized schemathesis item's node id drops its "[GET /path]" part,
    # so every operation would share one id and pytest-xdist would run only one of them.
    # A parameter gives each item an id of its own: test_...[GET /path][cliente-api].
    if "token_header" in metafunc.fixturenames:
        metafunc.parametrize("token_header", ["cliente-api"], indirect=True)


@pytest.fixture
def token_header(db) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=ApiClientFactory()).key}"}


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_server_error(case, token_header):
    response = case.call(headers=token_header)

    assert response.status_code < 500, response.text[:300]
    api_route = case.path.startswith(("/api/comentarios", "/api/v1", "/api/llm", "/auth/"))
    if api_route and response.status_code != 204:
        content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
        assert content_type[0].startswith("application/json")

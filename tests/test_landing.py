"""The landing page: pt-BR, no external assets, links to what exists and says what does not."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse


def _report_route_exists() -> bool:
    try:
        resolve("/relatorio/")
    except Resolver404:
        return False
    return True


@pytest.fixture
def landing(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_landing_is_portuguese_and_links_admin_and_api_docs(landing):
    assert '<html lang="pt-br">' in landing
    assert "O que os ouvintes estão dizendo" in landing
    for url in (reverse("admin:index"), reverse("api-docs"), reverse("api-redoc")):
        assert f'href="{url}"' in landing


def test_landing_links_the_report_when_it_exists_and_says_em_breve_otherwise(landing):
    if _report_route_exists():
        assert 'href="/relatorio/"' in landing
        assert "em breve" not in landing
    else:
        assert 'href="/relatorio/"' not in landing
        assert "em breve" in landing


def test_landing_loads_nothing_from_another_host(landing):
    sources = re.findall(r'(?:src|href)="([^"]+)"', landing)

    assert sources
    assert all(url.startswith("/") for url in sources), sources


def test_landing_stylesheet_is_served_locally(settings, landing):
    # Tests run with DEBUG off, where whitenoise serves collected files only; let it use the
    # finders as `make demo` (DEBUG on) does. A fresh client builds the middleware anew.
    settings.WHITENOISE_USE_FINDERS = True
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', landing).group(1)

    response = Client().get(stylesheet)

    assert response.status_code == 200

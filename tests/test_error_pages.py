"""Unknown paths and crashes outside DRF: JSON under the API prefixes, pt-BR pages elsewhere."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from alumusic.exception_handler import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/comentarios/", "/api/nao-existe", "/auth/entrar"])
def test_an_unknown_api_path_is_a_json_404(auth_client, path):
    response = auth_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"erro": "Recurso não encontrado."}


def test_an_unknown_site_path_is_a_portuguese_page(client):
    response = client.get("/pagina-que-nao-existe/")

    assert response.status_code == 404
    assert "Página não encontrada" in response.content.decode()


def test_a_crash_under_the_api_is_a_json_500():
    response = server_error(RequestFactory().get("/api/comentarios"))

    assert response.status_code == 500
    assert json.loads(response.content) == {"erro": "Erro interno do servidor."}


def test_a_crash_elsewhere_is_a_portuguese_page():
    response = server_error(RequestFactory().get("/admin/"))

    assert response.status_code == 500
    assert "Erro interno do servidor" in response.content.decode()

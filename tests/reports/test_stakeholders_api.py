"""`/api/stakeholders`: DESIGN §6's contract, for curators and staff only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from reports.models import Stakeholder
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# A fixed id, not uuid4(): pytest-xdist workers must collect the same test ids.
UNKNOWN_ID = "6f1d2c3b-8a4e-4f5a-9b7c-0d1e2f3a4b5c"


@pytest.fixture
def curator_client(curator) -> APIClient:
    client = APIClient()
    client.force_authenticate(curator)
    return client


def test_get_is_a_bare_list_of_id_and_email(curator_client):
    one = Stakeholder.objects.create(email="diretoria@alumusic.com.br")

    response = curator_client.get("/api/stakeholders")

    assert response.status_code == 200
    assert response.json() == [{"id": str(one.pk), "email": "diretoria@alumusic.com.br"}]


def test_post_creates_and_answers_201_with_id_and_email(curator_client):
    response = curator_client.post(
        "/api/stakeholders", {"email": "CEO@AluMusic.com.br "}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "email": "ceo@alumusic.com.br"}
    assert Stakeholder.objects.get(pk=body["id"]).active


@pytest.mark.parametrize("payload", [{}, {"email": ""}, {"email": "sem-arroba"}, {"email": 3}])
def test_post_without_or_with_an_invalid_email_is_400(curator_client, payload):
    response = curator_client.post("/api/stakeholders", payload, format="json")

    assert response.status_code == 400
    assert "erro" in response.json()
    assert not Stakeholder.objects.exists()


def test_post_of_a_duplicate_in_any_case_is_409(curator_client):
    Stakeholder.objects.create(email="diretoria@alumusic.com.br")

    response = curator_client.post(
        "/api/stakeholders", {"email": "Diretoria@alumusic.com.br"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"erro": "Este e-mail já está cadastrado."}


def test_delete_is_204_then_404(curator_client):
    one = Stakeholder.objects.create(email="diretoria@alumusic.com.br")

    assert curator_client.delete(f"/api/stakeholders/{one.pk}").status_code == 204
    again = curator_client.delete(f"/api/stakeholders/{one.pk}")
    assert again.status_code == 404
    assert again.json() == {"erro": "Destinatário não encontrado."}


@pytest.mark.parametrize("bad_id", [UNKNOWN_ID, "nao-e-um-uuid"])
def test_delete_of_an_unknown_id_is_404(curator_client, bad_id):
    assert curator_client.delete(f"/api/stakeholders/{bad_id}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/stakeholders"), ("post", "/api/stakeholders"),
     ("delete", f"/api/stakeholders/{UNKNOWN_ID}")],
)  # fmt: skip
def test_anonymous_is_401_and_an_api_client_403(api_client, auth_client, method, path):
    assert getattr(api_client, method)(path, {}, format="json").status_code == 401
    assert getattr(auth_client, method)(path, {}, format="json").status_code == 403


def test_staff_without_the_group_may_manage_stakeholders():
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))

    assert client.get("/api/stakeholders").status_code == 200

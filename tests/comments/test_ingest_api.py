"""`POST /api/comentarios` over HTTP against a running server (issue #3 acceptance)."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token

from comments.models import Comment, Status
from tests.factories import ApiClientFactory, CommentFactory, CuratorFactory

PASSWORD = "senha-Forte-123"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


@pytest.fixture
def api(live_server):
    """Register and log in over HTTP; return a session that sends the JWT."""
    session = requests.Session()
    credentials = {"email": "parceiro@exemplo.com", "password": PASSWORD}
    assert session.post(f"{live_server.url}/auth/register", json=credentials).status_code == 201
    login = session.post(f"{live_server.url}/auth/login", json=credentials)
    session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    session.base_url = live_server.url  # type: ignore[attr-defined]
    return session


def post_comments(session: requests.Session, body: object, **kwargs: object) -> requests.Response:
    return session.post(f"{session.base_url}/api/comentarios", json=body, timeout=30, **kwargs)


def test_a_list_of_1000_comments_with_ids_is_accepted_and_stored_pending(api):
    items = [{"id": str(uuid.uuid4()), "texto": f"Comentário {n}"} for n in range(1000)]

    response = post_comments(api, items)

    assert response.status_code == 202
    body = response.json()
    assert body["mensagem"] == "1000 comentários recebidos e enfileirados."
    assert body["ids_enfileirados"] == [item["id"] for item in items]
    assert body["ja_conhecidos"] == body["rejeitados"] == []
    stored = Comment.objects.filter(pk__in=body["ids_enfileirados"])
    assert stored.count() == 1000
    assert set(stored.values_list("status", flat=True)) == {Status.PENDING}
    assert set(stored.values_list("source", flat=True)) == {"api"}
    assert set(stored.values_list("submitted_by__email", flat=True)) == {"parceiro@exemplo.com"}


def test_reposting_the_same_ids_stores_no_duplicate_and_reports_them_known(api):
    items = [{"id": str(uuid.uuid4()), "texto": f"Comentário {n}"} for n in range(50)]
    post_comments(api, items)

    response = post_comments(api, [*items, {"texto": "novo"}])

    assert response.status_code == 202
    body = response.json()
    assert len(body["ids_enfileirados"]) == 1
    assert body["ja_conhecidos"] == [item["id"] for item in items]
    assert Comment.objects.count() == 51


def test_reposting_a_known_id_never_overwrites_its_text(api):
    comment_id = str(uuid.uuid4())
    post_comments(api, {"id": comment_id, "texto": "original"})

    post_comments(api, {"id": comment_id, "texto": "alterado"})

    assert Comment.objects.get(pk=comment_id).text == "original"


def test_a_single_object_body_is_accepted(api):
    response = post_comments(api, {"texto": "Adorei o show"})

    assert response.status_code == 202
    assert response.json()["mensagem"] == "1 comentário recebido e enfileirado."


def test_one_empty_and_one_valid_text_stores_the_valid_and_reports_the_index(api):
    response = post_comments(api, [{"texto": "   "}, {"texto": "Muito bom"}])

    assert response.status_code == 202
    body = response.json()
    assert len(body["ids_enfileirados"]) == 1
    assert [r["indice"] for r in body["rejeitados"]] == [0]
    assert Comment.objects.get().text == "Muito bom"


@pytest.mark.parametrize(
    ("item", "reason_fragment"),
    [
        ({"texto": ""}, "vazio"),
        ({}, "obrigatório"),
        ({"texto": 42}, "string"),
        ({"texto": "ok", "id": "não-é-uuid"}, "UUID"),
        ({"texto": "ok", "id": 7}, "UUID"),
        ({"texto": "nulo\u0000aqui"}, "nulos"),
        ({"texto": "surrogate \ud800 solto"}, "inválidos"),
        ({"texto": "x" * 5001}, "máximo"),
        ("só um texto", "objeto"),
    ],
)
def test_a_request_with_only_invalid_items_is_400_and_stores_nothing(api, item, reason_fragment):
    response = post_comments(api, [item])

    assert response.status_code == 400
    body = response.json()
    assert body["detalhes"]["rejeitados"][0]["indice"] == 0
    assert reason_fragment in body["detalhes"]["rejeitados"][0]["erro"]
    assert not Comment.objects.exists()


def test_a_repeated_id_in_one_list_stores_the_first_and_rejects_the_later_by_index(api):
    repeated = str(uuid.uuid4())
    items = [{"id": repeated, "texto": "a"}, {"texto": "b"}, {"id": repeated, "texto": "c"}]

    response = post_comments(api, items)

    assert response.status_code == 202
    body = response.json()
    assert body["ids_enfileirados"][0] == repeated
    assert len(body["ids_enfileirados"]) == 2
    assert [r["indice"] for r in body["rejeitados"]] == [2]
    assert "repetido" in body["rejeitados"][0]["erro"]
    assert Comment.objects.get(pk=repeated).text == "a"


def test_malformed_json_is_400_and_stores_nothing(api):
    response = api.post(
        f"{api.base_url}/api/comentarios",
        data=b'[{"texto": "a"},',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["erro"] == "JSON malformado: o corpo não pôde ser lido como JSON."
    assert "motivo" in response.json()["detalhes"]
    assert not Comment.objects.exists()


def test_json_nested_too_deep_is_a_400_not_a_500(api):
    response = api.post(
        f"{api.base_url}/api/comentarios",
        data=b"[" * 100_000,
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["erro"].startswith("JSON malformado")


def test_a_body_that_is_not_an_object_or_list_is_400(api):
    assert post_comments(api, "texto solto").status_code == 400


def test_wrong_content_type_is_415(api):
    response = api.post(f"{api.base_url}/api/comentarios", data={"texto": "a"})

    assert response.status_code == 415
    assert "erro" in response.json()
    assert not Comment.objects.exists()


@override_settings(INGEST_MAX_ITEMS=5)
def test_a_list_over_the_item_limit_is_413_and_stores_nothing(api):
    response = post_comments(api, [{"texto": f"c{n}"} for n in range(6)])

    assert response.status_code == 413
    assert "5" in response.json()["erro"]
    assert not Comment.objects.exists()


@override_settings(INGEST_MAX_BODY_BYTES=1000)
def test_a_body_over_the_size_limit_is_413_and_stores_nothing(api):
    response = post_comments(api, [{"texto": "x" * 300} for _ in range(5)])

    assert response.status_code == 413
    assert "erro" in response.json()
    assert not Comment.objects.exists()


@override_settings(INGEST_MAX_TEXT_LENGTH=10)
def test_the_text_limit_is_a_setting(api):
    response = post_comments(api, [{"texto": "curto"}, {"texto": "longo demais"}])

    assert response.status_code == 202
    assert [r["indice"] for r in response.json()["rejeitados"]] == [1]


def test_anonymous_requests_are_401(live_server):
    post = requests.post(f"{live_server.url}/api/comentarios", json={"texto": "a"}, timeout=10)
    get = requests.get(f"{live_server.url}/api/comentarios", timeout=10)

    assert post.status_code == get.status_code == 401
    assert "erro" in post.json()
    assert not Comment.objects.exists()


def test_a_drf_token_can_post_comments(live_server):
    token = Token.objects.create(user=ApiClientFactory())

    response = requests.post(
        f"{live_server.url}/api/comentarios",
        json={"texto": "via token"},
        headers={"Authorization": f"Token {token.key}"},
        timeout=10,
    )

    assert response.status_code == 202
    assert Comment.objects.get().submitted_by == token.user


def test_a_client_reads_only_its_own_comments_and_a_curator_reads_all(api, live_server):
    post_comments(api, {"texto": "meu comentário"})
    others = CommentFactory(submitted_by=ApiClientFactory(), text="de outro cliente")
    curator_token = Token.objects.create(user=CuratorFactory())

    mine = api.get(f"{api.base_url}/api/comentarios").json()["comentarios"]
    not_mine = api.get(f"{api.base_url}/api/comentarios/{others.pk}")
    everything = requests.get(
        f"{live_server.url}/api/comentarios",
        headers={"Authorization": f"Token {curator_token.key}"},
        timeout=10,
    ).json()["comentarios"]

    assert [c["texto"] for c in mine] == ["meu comentário"]
    assert not_mine.status_code == 404
    assert {c["texto"] for c in everything} == {"meu comentário", "de outro cliente"}

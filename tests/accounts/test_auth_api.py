"""The auth routes over HTTP against a running server: register, login, refresh, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import API_CLIENTS_GROUP, User
from tests.factories import ApiClientFactory

PASSWORD = "senha-Forte-123"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()  # anonymous throttling counts requests per IP in the cache


@pytest.fixture
def post(live_server):
    def _post(path: str, body: object, **kwargs: object) -> requests.Response:
        return requests.post(f"{live_server.url}{path}", json=body, timeout=10, **kwargs)

    return _post


@pytest.fixture
def get(live_server):
    def _get(path: str, **kwargs: object) -> requests.Response:
        return requests.get(f"{live_server.url}{path}", timeout=10, **kwargs)

    return _get


def test_register_creates_an_api_client_account(post):
    response = post("/auth/register", {"email": "Ouvinte@Exemplo.com", "password": PASSWORD})

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ouvinte@exemplo.com"
    user = User.objects.get(email="ouvinte@exemplo.com")
    assert user.groups.filter(name=API_CLIENTS_GROUP).exists()
    assert not user.is_curator


def test_registering_an_existing_email_in_other_case_answers_like_a_new_one(post):
    ApiClientFactory(email="ouvinte@exemplo.com")

    existing = post("/auth/register", {"email": "OUVINTE@exemplo.com", "password": PASSWORD})
    new = post("/auth/register", {"email": "outra@exemplo.com", "password": PASSWORD})

    assert existing.status_code == new.status_code == 201
    assert existing.json()["mensagem"] == new.json()["mensagem"]
    assert User.objects.filter(email__iexact="ouvinte@exemplo.com").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@exemplo.com"},
        {"password": PASSWORD},
        {"email": "nao-e-email", "password": PASSWORD},
    ],
)
def test_register_without_valid_email_and_password_is_400(post, body):
    response = post("/auth/register", body)

    assert response.status_code == 400
    assert set(response.json()) == {"erro", "detalhes"}
    assert not User.objects.exists()


def test_register_with_a_weak_password_is_400_with_the_validator_messages(post):
    response = post("/auth/register", {"email": "a@exemplo.com", "password": "12345678"})

    assert response.status_code == 400
    messages = response.json()["detalhes"]["password"]
    assert any("comum" in message for message in messages)
    assert not User.objects.exists()


def test_login_returns_a_jwt_pair_that_authenticates(post, get):
    user = ApiClientFactory(email="ouvinte@exemplo.com")

    response = post("/auth/login", {"email": "Ouvinte@exemplo.com", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["usuario_id"] == user.pk
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert get("/api/comentarios", headers=headers).status_code == 200


def test_login_failure_is_identical_for_unknown_email_and_wrong_password(post):
    ApiClientFactory(email="ouvinte@exemplo.com")

    wrong_password = post("/auth/login", {"email": "ouvinte@exemplo.com", "password": "errada-123"})
    unknown_email = post("/auth/login", {"email": "ninguem@exemplo.com", "password": "errada-123"})

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"erro": "E-mail ou senha inválidos."}


def test_an_inactive_account_cannot_log_in(post):
    ApiClientFactory(email="ouvinte@exemplo.com", is_active=False)

    response = post("/auth/login", {"email": "ouvinte@exemplo.com", "password": PASSWORD})

    assert response.status_code == 401
    assert response.json() == {"erro": "E-mail ou senha inválidos."}


def test_refresh_rotates_and_the_old_refresh_token_is_refused(post):
    ApiClientFactory(email="ouvinte@exemplo.com")
    pair = post("/auth/login", {"email": "ouvinte@exemplo.com", "password": PASSWORD}).json()

    rotated = post("/auth/refresh", {"refresh_token": pair["refresh_token"]})
    reused = post("/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != pair["refresh_token"]
    assert reused.status_code == 401
    assert "erro" in reused.json()


def test_logout_blacklists_the_refresh_token(post):
    ApiClientFactory(email="ouvinte@exemplo.com")
    pair = post("/auth/login", {"email": "ouvinte@exemplo.com", "password": PASSWORD}).json()

    logout = post("/auth/logout", {"refresh_token": pair["refresh_token"]})
    refresh = post("/auth/refresh", {"refresh_token": pair["refresh_token"]})
    second_logout = post("/auth/logout", {"refresh_token": pair["refresh_token"]})

    assert logout.status_code == 204
    assert refresh.status_code == 401
    assert second_logout.status_code == 401


def test_a_garbage_refresh_token_is_refused(post):
    assert post("/auth/refresh", {"refresh_token": "não-é-um-token"}).status_code == 401


def test_an_expired_access_token_is_refused(get):
    token = AccessToken.for_user(ApiClientFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = get("/api/comentarios", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "erro" in response.json()


def test_a_drf_token_works_like_a_jwt(get):
    token = Token.objects.create(user=ApiClientFactory())

    response = get("/api/comentarios", headers={"Authorization": f"Token {token.key}"})

    assert response.status_code == 200


def test_a_stale_authorization_header_does_not_block_login(post):
    ApiClientFactory(email="ouvinte@exemplo.com")

    response = post(
        "/auth/login",
        {"email": "ouvinte@exemplo.com", "password": PASSWORD},
        headers={"Authorization": "Bearer expirado"},
    )

    assert response.status_code == 200

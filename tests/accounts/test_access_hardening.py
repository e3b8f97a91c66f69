"""Access from outside (issue 11): brute force, proxies, enumeration, token revocation, quotas."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.core import mail
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from comments.models import Comment
from tests.factories import ApiClientFactory, CuratorFactory

PASSWORD = "senha-Forte-123"
EMAIL = "ouvinte@exemplo.com"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # throttles and quotas count in the cache


def login(client: APIClient, email: str = EMAIL, password: str = PASSWORD, **extra: str):
    return client.post(
        "/auth/login", {"email": email, "password": password}, format="json", **extra
    )


def bearer(access: str, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {access}")
    return client


# --- Brute force ----------------------------------------------------------------------------------


def test_the_fifth_wrong_password_locks_and_then_even_the_right_one_is_429(api_client):
    ApiClientFactory(email=EMAIL)
    failures = [login(api_client, password=f"errada-{n}").status_code for n in range(5)]

    response = login(api_client)

    assert failures == [401, 401, 401, 401, 429]
    assert response.status_code == 429
    assert "tentativas" in response.json()["erro"]
    assert int(response["Retry-After"]) == 15 * 60


def test_the_account_lock_holds_from_another_ip_and_in_another_case(api_client):
    ApiClientFactory(email=EMAIL)
    for n in range(5):
        login(api_client, password=f"errada-{n}", REMOTE_ADDR=f"10.0.0.{n}")

    response = login(APIClient(), email=EMAIL.upper(), REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429


def test_one_ip_failing_on_many_accounts_is_locked_for_every_account(api_client):
    ApiClientFactory(email="vitima@exemplo.com")
    for n in range(5):
        login(api_client, email=f"tentativa{n}@exemplo.com", password="x")

    assert login(api_client, email="vitima@exemplo.com").status_code == 429
    assert login(APIClient(), email="vitima@exemplo.com", REMOTE_ADDR="10.1.1.1").status_code == 200


def test_a_new_x_forwarded_for_per_request_does_not_escape_the_ip_lock(api_client):
    ApiClientFactory(email="vitima@exemplo.com")
    for n in range(5):
        login(
            api_client, email=f"t{n}@exemplo.com", password="x", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )

    response = login(api_client, email="vitima@exemplo.com", HTTP_X_FORWARDED_FOR="9.9.9.9")

    assert response.status_code == 429


def test_behind_one_trusted_proxy_only_the_hop_it_appended_counts(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    ApiClientFactory(email="vitima@exemplo.com")
    for n in range(5):  # the client forges the left part; the proxy appends 203.0.113.7
        forged = f"1.2.3.{n}, 203.0.113.7"
        login(api_client, email=f"t{n}@exemplo.com", password="x", HTTP_X_FORWARDED_FOR=forged)

    locked = login(api_client, email="vitima@exemplo.com", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = login(api_client, email="vitima@exemplo.com", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert locked.status_code == 429
    assert other.status_code == 200


@pytest.fixture
def rates(monkeypatch, settings):
    """Set throttle rates for one test (DRF copies them into the throttle class at import)."""

    def _set(**scoped: str) -> None:
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scoped}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)

    return _set


def test_the_anonymous_throttle_ignores_a_forged_x_forwarded_for(api_client, rates):
    rates(anon="3/min")
    statuses = [
        api_client.post("/auth/register", {}, HTTP_X_FORWARDED_FOR=f"5.6.7.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [400, 400, 400, 429]


def test_the_admin_login_locks_out_too_with_a_pt_br_page(client):
    CuratorFactory(email="curadora@exemplo.com")
    form = {"username": "curadora@exemplo.com", "password": "errada", "next": "/admin/"}
    for _ in range(4):
        assert client.post("/admin/login/", form).status_code == 200  # the form, with an error
    assert client.post("/admin/login/", form).status_code == 429

    response = client.post("/admin/login/", {**form, "password": PASSWORD})

    assert response.status_code == 429
    assert "Muitas tentativas" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(api_client):
    ApiClientFactory(email=EMAIL)
    for _ in range(2):
        for n in range(4):
            login(api_client, password=f"errada-{n}")
        assert login(api_client).status_code == 200


# --- Register: throttled, no enumeration ------------------------------------------------------


class CountingHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


def register(client: APIClient, email: str, password: str = PASSWORD):
    return client.post("/auth/register", {"email": email, "password": password}, format="json")


def test_registering_a_known_email_does_the_same_work_and_answers_the_same(api_client, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_access_hardening.CountingHasher"]
    ApiClientFactory(email=EMAIL)
    answers, hashes, mails = [], [], []
    for email in (EMAIL, "nova@exemplo.com"):
        CountingHasher.calls, mail.outbox = 0, []
        response = register(api_client, email)
        answers.append((response.status_code, sorted(response.json()), response.json()["mensagem"]))
        hashes.append(CountingHasher.calls)
        mails.append(len(mail.outbox))

    assert answers[0] == answers[1]
    assert answers[0][0] == 201
    assert hashes == [1, 1]
    assert mails == [1, 1]
    assert User.objects.filter(email=EMAIL).get().check_password(PASSWORD)  # untouched


def test_the_owner_of_a_known_email_is_told_of_the_attempt(api_client):
    ApiClientFactory(email=EMAIL)

    register(api_client, EMAIL.upper())

    assert mail.outbox[0].to == [EMAIL]
    assert "já tem" in mail.outbox[0].body


def test_register_has_its_own_throttle_per_ip(api_client, rates):
    rates(register="2/hour")
    statuses = [register(api_client, f"c{n}@exemplo.com").status_code for n in range(3)]

    assert statuses == [201, 201, 429]


# --- Tokens -------------------------------------------------------------------------------------


def test_access_tokens_live_at_most_15_minutes(api_client):
    ApiClientFactory(email=EMAIL)

    access = AccessToken(login(api_client).json()["access_token"])

    assert access["exp"] - access["iat"] <= 15 * 60


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(api_client, scheme):
    ApiClientFactory(email=EMAIL)
    access = login(api_client).json()["access_token"]

    assert bearer(access, scheme).get("/api/comentarios").status_code == 200


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN"])
def test_the_token_scheme_is_case_insensitive(scheme):
    token = Token.objects.create(user=ApiClientFactory())

    assert bearer(token.key, scheme).get("/api/comentarios").status_code == 200


def test_logout_revokes_every_token_of_the_account_on_every_device(api_client):
    ApiClientFactory(email=EMAIL)
    phone, laptop = login(api_client).json(), login(api_client).json()

    logout = api_client.post(
        "/auth/logout", {"refresh_token": phone["refresh_token"]}, format="json"
    )

    assert logout.status_code == 204
    for pair in (phone, laptop):
        assert bearer(pair["access_token"]).get("/api/comentarios").status_code == 401
        refresh = api_client.post(
            "/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json"
        )
        assert refresh.status_code == 401
    assert login(api_client).status_code == 200  # a fresh login works again


def test_a_password_change_revokes_old_access_and_refresh_tokens(api_client):
    user = ApiClientFactory(email=EMAIL)
    old = login(api_client).json()

    user.set_password("outra-Senha-456")
    user.save()

    assert bearer(old["access_token"]).get("/api/comentarios").status_code == 401
    refresh = api_client.post(
        "/auth/refresh", {"refresh_token": old["refresh_token"]}, format="json"
    )
    assert refresh.status_code == 401
    new = login(api_client, password="outra-Senha-456").json()
    assert bearer(new["access_token"]).get("/api/comentarios").status_code == 200


def test_a_password_change_in_the_admin_revokes_tokens(api_client, client):
    curator = CuratorFactory(email="curadora@exemplo.com")
    old = login(api_client, email="curadora@exemplo.com").json()
    client.force_login(curator)

    client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "nova-Senha-789",
            "new_password2": "nova-Senha-789",
        },
    )

    assert bearer(old["access_token"]).get("/api/comentarios").status_code == 401


def token_client(key: str) -> APIClient:
    return bearer(key, "Token")


def test_logout_with_a_drf_token_deletes_the_key_and_every_other_token(api_client):
    user = ApiClientFactory(email=EMAIL)
    key = Token.objects.create(user=user).key
    session = login(api_client).json()

    logout = token_client(key).post("/auth/logout", format="json")

    assert logout.status_code == 204
    assert not Token.objects.filter(user=user).exists()
    assert token_client(key).get("/api/comentarios").status_code == 401
    assert bearer(session["access_token"]).get("/api/comentarios").status_code == 401
    refresh = api_client.post(
        "/auth/refresh", {"refresh_token": session["refresh_token"]}, format="json"
    )
    assert refresh.status_code == 401


def test_logout_with_an_unknown_drf_token_is_401_and_deletes_nothing():
    kept = Token.objects.create(user=ApiClientFactory())

    response = token_client("0" * 40).post("/auth/logout", format="json")

    assert response.status_code == 401
    assert set(response.json()) >= {"erro"}
    assert Token.objects.filter(key=kept.key).exists()


def test_logout_without_refresh_token_nor_drf_token_is_400(api_client):
    response = api_client.post("/auth/logout", {}, format="json")

    assert response.status_code == 400
    assert "refresh_token" in response.json()["detalhes"]


def test_a_jwt_logout_also_deletes_the_accounts_drf_keys(api_client):
    user = ApiClientFactory(email=EMAIL)
    key = Token.objects.create(user=user).key
    other = Token.objects.create(user=ApiClientFactory()).key
    session = login(api_client).json()

    api_client.post("/auth/logout", {"refresh_token": session["refresh_token"]}, format="json")

    assert token_client(key).get("/api/comentarios").status_code == 401
    assert token_client(other).get("/api/comentarios").status_code == 200  # another account


def test_a_password_change_in_the_admin_revokes_drf_keys_and_blacklists_refresh_tokens(
    api_client, client
):
    curator = CuratorFactory(email="curadora@exemplo.com")
    key = Token.objects.create(user=curator).key
    old = login(api_client, email="curadora@exemplo.com").json()
    client.force_login(curator)

    changed = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "nova-Senha-789",
            "new_password2": "nova-Senha-789",
        },
    )

    assert changed.status_code == 302
    assert token_client(key).get("/api/comentarios").status_code == 401
    assert BlacklistedToken.objects.filter(
        token__jti=RefreshToken(old["refresh_token"], verify=False)["jti"]  # type: ignore[arg-type]
    ).exists()
    refresh = api_client.post(
        "/auth/refresh", {"refresh_token": old["refresh_token"]}, format="json"
    )
    assert refresh.status_code == 401


def test_a_superuser_setting_a_clients_password_revokes_that_clients_tokens(client):
    partner = ApiClientFactory(email=EMAIL)
    key = Token.objects.create(user=partner).key
    other = Token.objects.create(user=ApiClientFactory()).key
    client.force_login(User.objects.create_superuser("raiz@exemplo.com", PASSWORD))

    changed = client.post(
        f"/admin/accounts/user/{partner.pk}/password/",
        {"password1": "trocada-Senha-321", "password2": "trocada-Senha-321"},
    )

    assert changed.status_code == 302
    assert token_client(key).get("/api/comentarios").status_code == 401
    assert token_client(other).get("/api/comentarios").status_code == 200


def test_a_silent_hash_upgrade_at_login_revokes_nothing(api_client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ]
    user = ApiClientFactory(email=EMAIL)
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="scrypt"))

    access = login(api_client).json()["access_token"]

    assert User.objects.get(pk=user.pk).password.startswith("md5$")  # upgraded
    assert bearer(access).get("/api/comentarios").status_code == 200


# --- Ingestion quota ------------------------------------------------------------------------------


def post_texts(client: APIClient, count: int):
    return client.post(
        "/api/comentarios", [{"texto": f"c{n}"} for n in range(count)], format="json"
    )


def test_the_per_minute_quota_answers_429_with_retry_after_and_stores_nothing_more(
    auth_client, settings
):
    settings.INGEST_QUOTA_PER_MINUTE = 100

    first, second = post_texts(auth_client, 60), post_texts(auth_client, 60)

    assert first.status_code == 202
    assert second.status_code == 429
    assert 1 <= int(second["Retry-After"]) <= 60
    assert second.json()["detalhes"]["limite"] == 100
    assert Comment.objects.count() == 60
    assert post_texts(auth_client, 40).status_code == 202  # a refused request counted nothing


def test_the_per_day_quota_counts_uploads_too(auth_client, settings):
    settings.INGEST_QUOTA_PER_DAY = 3
    post_texts(auth_client, 2)

    response = auth_client.post("/api/llm/analyze", {"text": "um"}, format="multipart")
    refused = auth_client.post("/api/llm/analyze", {"text": "dois"}, format="multipart")

    assert response.status_code == 202
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= 86_400


def test_quotas_are_per_client(settings):
    settings.INGEST_QUOTA_PER_MINUTE = 10
    first, second = APIClient(), APIClient()
    first.force_authenticate(ApiClientFactory())
    second.force_authenticate(ApiClientFactory())

    assert post_texts(first, 10).status_code == 202
    assert post_texts(first, 1).status_code == 429
    assert post_texts(second, 10).status_code == 202

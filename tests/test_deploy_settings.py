"""Production settings (issue 11): unsafe configuration refuses to start; headers on every page.

The refusals are tested as an operator meets them: `manage.py check` started in a subprocess
with the bad environment, exiting non-zero with a message that names the variable.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.worker import ROOT

STRONG_KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "insights.alumusic.com.br",
    "CSRF_TRUSTED_ORIGINS": "https://insights.alumusic.com.br",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY"))}
    # Empty, not absent: a developer's .env must not fill in what a test leaves out.
    base.update({"DATABASE_URL": "sqlite:///:memory:", "CELERY_BROKER_URL": "", "REDIS_URL": ""})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(40)}, "django-insecure"),
        ({"SECRET_KEY": "short-key-123"}, "at least 50"),
        ({"SECRET_KEY": "a" * 60}, "too predictable"),
        ({"SECRET_KEY": "ab" * 40}, "too predictable"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'"),
        ({"DATABASE_URL": "garbage"}, "DATABASE_URL must start with"),
        ({"DATABASE_URL": "postgres://h:porta/db"}, "DATABASE_URL is not a valid URL"),
        ({"CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL must start with"),
        ({"EMAIL_URL": "correio"}, "EMAIL_URL"),
        ({"GEMINI_BASE_URL": "ftp://x"}, "GEMINI_BASE_URL"),
        ({"THROTTLE_USER": "lots"}, "THROTTLE_USER must be a rate"),
        ({"INGEST_MAX_ITEMS": "10k"}, "INGEST_MAX_ITEMS must be a whole number"),
        ({"INGEST_MAX_ITEMS": "-1"}, "INGEST_MAX_ITEMS must be at least 0"),
        ({"GEMINI_TIMEOUT_SECONDS": "nan"}, "GEMINI_TIMEOUT_SECONDS must be a finite number"),
        ({"SECURE_SSL_REDIRECT": "sim"}, "SECURE_SSL_REDIRECT must be true or false"),
        ({"JWT_ACCESS_MINUTES": "30"}, "JWT_ACCESS_MINUTES must be between 1 and 15"),
    ],
)
def test_production_refuses_to_start_with_an_unsafe_setting(env, message):
    result = manage("check", **{**PRODUCTION, **env})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_setup_demo_refuses_with_debug_off_unless_forced():
    result = manage("setup_demo", **PRODUCTION)

    assert result.returncode != 0
    assert "--force" in result.stderr
    assert "senha" not in result.stdout.lower()


def test_celery_cancels_long_running_tasks_when_the_broker_connection_is_lost():
    from alumusic.celery import app

    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True


# --- Headers on every page ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/docs/", "/api/redoc/", "/api/nada"])
def test_every_page_has_csp_nosniff_referrer_and_frame_headers(client, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_api_json_answers_carry_the_headers_too(auth_client):
    response = auth_client.get("/api/comentarios")

    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_source_map_is_found_or_collected(tmp_path):
    from django.contrib.staticfiles import finders

    swagger = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert finders.find(swagger)
    assert finders.find(swagger + ".map") is None
    collected = manage(
        "collectstatic", "--noinput", "-v", "0", **PRODUCTION, STATIC_ROOT=str(tmp_path)
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / swagger).exists()
    assert not list(tmp_path.rglob("*.map*"))


@pytest.mark.django_db
def test_a_source_map_under_static_is_404(client):
    response = client.get(
        f"/{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js.map"
    )

    assert response.status_code == 404

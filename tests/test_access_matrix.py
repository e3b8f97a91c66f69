"""Every route × every role (issue 11): who may read, write or open what.

Roles: anonymous, API client (registered through /auth/register), curator (group `curadores`,
staff), staff without the group, superuser. Each cell is the status the route must answer.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import ApiClientFactory, CommentFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "api_client", "curator", "staff", "superuser")
OTHERS = "00000000-0000-4000-8000-000000000001"  # a comment nobody in the test submitted

# (method, path, body, expected status per role in ROLES order)
MATRIX = [
    ("get", "/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/docs/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/redoc/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/schema/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/comentarios", None, (401, 200, 200, 200, 200)),
    ("post", "/api/comentarios", [{"texto": "oi"}], (401, 202, 202, 202, 202)),
    ("get", f"/api/comentarios/{OTHERS}", None, (401, 404, 200, 200, 200)),
    ("post", "/api/llm/analyze", {"text": "oi"}, (401, 202, 202, 202, 202)),
    ("get", "/api/v1/comentarios", None, (401, 200, 200, 200, 200)),
    ("post", "/api/v1/comentarios", [{"texto": "oi"}], (401, 202, 202, 202, 202)),
    ("get", f"/api/v1/comentarios/{OTHERS}", None, (401, 404, 200, 200, 200)),
    ("post", "/api/v1/comentarios/upload", {"text": "oi"}, (401, 202, 202, 202, 202)),
    ("post", "/auth/logout", {"refresh_token": "x"}, (401, 401, 401, 401, 401)),
    ("post", "/auth/refresh", {"refresh_token": "x"}, (401, 401, 401, 401, 401)),
    ("get", "/relatorio/", None, (200, 200, 200, 200, 200)),
    ("get", "/api/relatorio/semana", None, (200, 200, 200, 200, 200)),
    ("get", "/api/stakeholders", None, (401, 403, 200, 200, 200)),
    ("post", "/api/stakeholders", {"email": "diretoria@exemplo.com"}, (401, 403, 201, 201, 201)),
    ("post", "/api/insights/perguntar", {"pergunta": "O que mudou?"}, (401, 404, 404, 404, 404)),
    ("get", "/admin/", None, (302, 302, 200, 200, 200)),
    ("get", "/admin/comments/comment/", None, (302, 302, 200, 200, 200)),
    ("get", f"/admin/comments/comment/{OTHERS}/change/", None, (302, 302, 200, 200, 200)),
    ("get", "/admin/comments/tag/", None, (302, 302, 200, 200, 200)),
    ("get", "/admin/accounts/user/", None, (302, 302, 403, 403, 200)),
    ("get", "/admin/axes/accessattempt/", None, (302, 302, 403, 403, 200)),
    ("get", "/admin/authtoken/tokenproxy/", None, (302, 302, 403, 403, 200)),
]


def _user(role: str):
    return {
        "anonymous": lambda: None,
        "api_client": ApiClientFactory,
        "curator": CuratorFactory,
        "staff": lambda: UserFactory(is_staff=True),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    }[role]()


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_route_answers_each_role_as_designed(client, role_index, method, path, body, expected):
    CommentFactory(pk=OTHERS, submitted_by=ApiClientFactory())
    user = _user(ROLES[role_index])
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
        client.force_login(user)
    if path.startswith(("/api/comentarios", "/api/v1", "/api/llm", "/api/s", "/api/i", "/auth/")):
        form = "multipart" if path.endswith(("analyze", "upload")) else "json"
        response = getattr(api, method)(path, body, format=form) if body else api.get(path)
    else:
        response = getattr(client, method)(path)

    assert response.status_code == expected[role_index], response.content[:200]

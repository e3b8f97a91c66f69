"""Importing a file in the admin: a dry run with row errors first, the import on confirmation,
through the ingestion service; a rejected file stores nothing."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from comments.models import Comment, Source
from tests.factories import ApiClientFactory, CommentFactory, CuratorFactory

pytestmark = pytest.mark.django_db

URL = "admin:comments_comment_import_file"
GOOD = "id;texto\n;Música incrível, ouvi no repeat\n;O app trava toda hora no Android\n"


@pytest.fixture
def curator_client(curator) -> Client:
    client = Client()
    client.force_login(curator)
    return client


def _upload(content: str, name: str = "comentarios.csv") -> io.BytesIO:
    upload = io.BytesIO(content.encode())
    upload.name = name
    return upload


def _preview(client: Client, content: str, name: str = "comentarios.csv") -> str:
    response = client.post(reverse(URL), {"file": _upload(content, name)})
    assert response.status_code == 200
    return response.content.decode()


def _token(html: str) -> str | None:
    match = re.search(r'name="token" value="([^"]+)"', html)
    return match.group(1) if match else None


def test_the_preview_of_a_good_file_stores_nothing_and_offers_the_confirmation(curator_client):
    html = _preview(curator_client, GOOD)

    assert not Comment.objects.exists()
    assert "Todas as linhas passaram na validação. Nada foi guardado ainda" in html
    assert "Confirmar a importação (2 novos)" in html
    assert "Música incrível, ouvi no repeat" in html  # the sample, as it will be read
    assert _token(html)


def test_confirming_the_preview_imports_the_file_through_ingestion(curator_client, curator):
    token = _token(_preview(curator_client, GOOD))
    stored_file = Path(signing.loads(token, salt="curadoria.import")["file"])

    response = curator_client.post(reverse(URL), {"token": token}, follow=True)

    comments = Comment.objects.order_by("text")
    assert [c.text for c in comments] == [
        "Música incrível, ouvi no repeat",
        "O app trava toda hora no Android",
    ]
    assert {(c.source, c.submitted_by_id) for c in comments} == {(Source.ADMIN, curator.pk)}
    assert all(c.enqueued_at is not None for c in comments)  # sent to classification
    notes = [str(m) for m in response.context["messages"]]
    assert any("2 novos, 0 já conhecidos" in note for note in notes)
    assert not stored_file.exists()


def test_a_file_with_a_bad_row_is_refused_with_its_row_number_and_stores_nothing(curator_client):
    content = "id;texto\n;Música incrível\nnão-é-uuid;Bom demais\n;   \n;O app trava\n"

    html = _preview(curator_client, content)

    assert not Comment.objects.exists()
    assert "Arquivo recusado: nada foi guardado." in html
    assert '<td class="num">3</td><td>o campo &#x27;id&#x27; deve ser um UUID válido' in html
    assert '<td class="num">4</td><td>o texto está vazio</td>' in html
    assert _token(html) is None


def test_the_preview_counts_ids_already_stored(curator_client):
    known = CommentFactory()
    content = f"id;texto\n{known.pk};Já guardado antes\n{uuid.uuid4()};Novo de verdade\n"

    html = _preview(curator_client, content)

    assert re.search(r"já conhecidas.*?<td class=\"num\">1</td>", html, re.S)
    assert "Confirmar a importação (1 novos)" in html
    assert Comment.objects.count() == 1


def test_a_json_file_is_previewed_with_its_list_positions(curator_client):
    html = _preview(curator_client, '[{"texto": "Amei o clipe"}, {"texto": 5}]', "lote.json")

    assert "o campo &#x27;texto&#x27; deve ser uma string" in html
    assert not Comment.objects.exists()


def test_an_unreadable_file_is_refused_at_the_preview(curator_client):
    html = _preview(curator_client, "PK\x03\x04 não é uma planilha", "planilha.xlsx")

    assert "ilegível" in html
    assert not Comment.objects.exists()


def test_a_forged_token_imports_nothing(curator_client):
    response = curator_client.post(reverse(URL), {"token": "nada-assinado"}, follow=True)

    assert not Comment.objects.exists()
    assert any("A prévia expirou" in str(m) for m in response.context["messages"])


def test_another_curator_cannot_confirm_my_preview(curator_client):
    token = _token(_preview(curator_client, GOOD))
    other = Client()
    other.force_login(CuratorFactory())

    response = other.post(reverse(URL), {"token": token})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_api_clients_and_anonymous_visitors_cannot_import(curator_client):
    token = _token(_preview(curator_client, GOOD))
    api_client = Client()
    api_client.force_login(ApiClientFactory())

    for client in (api_client, Client()):
        assert client.get(reverse(URL)).status_code == 302  # to the admin login
        assert client.post(reverse(URL), {"file": _upload(GOOD)}).status_code == 302
        assert client.post(reverse(URL), {"token": token}).status_code == 302
    assert not Comment.objects.exists()


def test_a_file_longer_than_one_request_is_previewed_whole_and_imported_in_chunks(
    curator_client, settings
):
    settings.INGEST_MAX_ITEMS = 3  # one API request's limit; the import sends chunks of it
    rows = "".join(f";Comentário número {n} sobre o álbum novo\n" for n in range(7))

    html = _preview(curator_client, "id;texto\n" + rows)
    curator_client.post(reverse(URL), {"token": _token(html)})

    assert "Confirmar a importação (7 novos)" in html
    assert Comment.objects.count() == 7

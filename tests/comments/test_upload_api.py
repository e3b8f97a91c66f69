"""`POST /api/llm/analyze` (and `/api/v1/comentarios/upload`): CSV, JSON, XLSX or one text."""

from __future__ import annotations

import io
import json
import uuid

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from comments.models import Comment

pytestmark = pytest.mark.django_db


def upload(client, name: str, content: bytes, path: str = "/api/llm/analyze"):
    return client.post(path, {"file": SimpleUploadedFile(name, content)}, format="multipart")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("utf8.csv", "texto\nMúsica linda\nÓtimo som\n".encode()),
        ("bom.csv", "\ufefftexto\nMúsica linda\nÓtimo som\n".encode()),
        ("latin1.csv", "texto\nMúsica linda\nÓtimo som\n".encode("latin-1")),
        ("semicolon.csv", "id;Texto\n;Música linda\n;Ótimo som\n".encode()),
        ("comma.csv", 'TEXTO,id\n"Música linda",\n"Ótimo som",\n'.encode()),
        ("list.json", json.dumps(["Música linda", {"texto": "Ótimo som"}]).encode()),
        ("planilha.xlsx", xlsx_bytes([["Texto"], ["Música linda"], ["Ótimo som"]])),
    ],
)
def test_supported_files_are_ingested_with_accents_intact(auth_client, client_user, name, content):
    response = upload(auth_client, name, content)

    assert response.status_code == 202, response.json()
    assert len(response.json()["ids_enfileirados"]) == 2
    assert set(Comment.objects.values_list("text", flat=True)) == {"Música linda", "Ótimo som"}
    assert set(Comment.objects.values_list("source", "submitted_by")) == {
        ("upload", client_user.pk)
    }


def test_commas_inside_a_single_column_csv_stay_in_the_text(auth_client):
    response = upload(auth_client, "c.csv", b"texto\nBom, mas curto; e caro\n")

    assert response.status_code == 202
    assert Comment.objects.get().text == "Bom, mas curto; e caro"


def test_csv_ids_are_kept_and_reposting_the_file_stores_nothing_new(auth_client):
    comment_id = str(uuid.uuid4())
    content = f"id;texto\n{comment_id};Gostei\n".encode()
    upload(auth_client, "a.csv", content)

    response = upload(auth_client, "a.csv", content)

    assert response.json()["ja_conhecidos"] == [comment_id]
    assert Comment.objects.count() == 1


def test_rows_with_empty_text_are_rejected_by_row_number(auth_client):
    content = "texto;id\nBom demais;\n   ;\nÓtimo;\n".encode()

    response = upload(auth_client, "a.csv", content)

    assert response.status_code == 202
    assert response.json()["rejeitados"] == [{"indice": 3, "erro": "o texto está vazio"}]
    assert Comment.objects.count() == 2


def test_xlsx_rows_with_empty_text_are_rejected_by_row_number(auth_client):
    content = xlsx_bytes([["id", "texto"], [None, "Bom"], ["x", None], [None, "Ruim"]])

    response = upload(auth_client, "p.xlsx", content)

    assert [r["indice"] for r in response.json()["rejeitados"]] == [3]
    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notas.txt", b"texto\nBom\n"),
        ("imagem.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
        ("quebrado.xlsx", b"PK\x03\x04 isto nao e um zip"),
        ("falso.xlsx", b"texto\nBom\n"),
        ("quebrado.json", b'["Bom", '),
        ("objeto-e-lixo.json", b'{"texto": "Bom"} sobrou'),
        ("texto-solto.json", b'"Bom"'),
        ("sem-coluna.csv", b"comentario;autor\nBom;Ana\n"),
        ("vazio.csv", b""),
    ],
)
def test_unsupported_or_unreadable_files_are_400_and_store_nothing(auth_client, name, content):
    response = upload(auth_client, name, content)

    assert response.status_code == 400
    assert "erro" in response.json()
    assert not Comment.objects.exists()


def test_a_json_file_with_one_object_is_one_comment(auth_client):
    response = upload(auth_client, "um.json", '{"texto": "Música linda"}'.encode())

    assert response.status_code == 202
    assert list(Comment.objects.values_list("text", flat=True)) == ["Música linda"]


def test_a_headerless_single_column_csv_is_a_list_of_texts(auth_client):
    response = upload(auth_client, "lista.csv", "Música linda\nÓtimo som\n\nAdorei\n".encode())

    assert response.status_code == 202
    assert sorted(Comment.objects.values_list("text", flat=True)) == [
        "Adorei",
        "Música linda",
        "Ótimo som",
    ]


def test_a_headerless_csv_rejects_empty_rows_by_line_number(auth_client):
    response = upload(auth_client, "lista.csv", b"Bom\n \nRuim\n")

    assert response.json()["rejeitados"] == [{"indice": 2, "erro": "o texto está vazio"}]


def test_a_csv_of_several_columns_without_texto_names_the_columns_found(auth_client):
    response = upload(auth_client, "outro.csv", b"comentario;autor\nBom;Ana\n")

    assert response.status_code == 400
    assert "'comentario', 'autor'" in response.json()["erro"]
    assert response.json()["detalhes"] == {"colunas_encontradas": ["comentario", "autor"]}


def test_a_form_text_field_is_one_comment(auth_client):
    response = auth_client.post("/api/llm/analyze", {"text": "Que show!"}, format="multipart")

    assert response.status_code == 202
    assert Comment.objects.get().text == "Que show!"


def test_a_form_without_file_or_text_is_400(auth_client):
    assert auth_client.post("/api/llm/analyze", {}, format="multipart").status_code == 400


@override_settings(INGEST_MAX_FILE_BYTES=100)
def test_a_file_over_the_size_limit_is_413(auth_client):
    response = upload(auth_client, "a.csv", b"texto\n" + b"Bom demais\n" * 20)

    assert response.status_code == 413
    assert not Comment.objects.exists()


@override_settings(INGEST_MAX_ITEMS=2)
def test_a_file_with_more_rows_than_the_item_limit_is_413(auth_client):
    response = upload(auth_client, "a.csv", b"texto\na\nb\nc\n")

    assert response.status_code == 413
    assert not Comment.objects.exists()


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=10)
def test_uploads_spooled_to_a_temporary_file_are_read_too(auth_client):
    response = upload(auth_client, "a.csv", "texto\nMúsica boa\n".encode("latin-1"))

    assert response.status_code == 202
    assert Comment.objects.get().text == "Música boa"


def test_the_v1_upload_route_is_the_same_operation(auth_client):
    response = upload(auth_client, "a.json", b'["Bom"]', path="/api/v1/comentarios/upload")

    assert response.status_code == 202
    assert Comment.objects.count() == 1


def test_anonymous_uploads_are_401(api_client):
    assert upload(api_client, "a.csv", b"texto\nBom\n").status_code == 401

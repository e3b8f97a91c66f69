"""Bad input from outside (issue 11): nesting and size bombs, forms, files, ids and texts.

Every case goes through HTTP (the DRF test client) and asserts a JSON error, never a 500 or
Django's HTML page, and that a refused request stores nothing.
"""

from __future__ import annotations

import io
import json
import struct
import unicodedata
import uuid
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from comments.models import Comment
from comments.search import search_documents_write

pytestmark = pytest.mark.django_db

NESTED_1000 = b"[" * 1000 + b"]" * 1000  # 2 KB that blew DRF's recursive JSON parser


def upload(client: APIClient, name: str, content: bytes, **extra: object):
    body = {"file": SimpleUploadedFile(name, content), **extra}
    return client.post("/api/llm/analyze", body, format="multipart")


def post_json(client: APIClient, path: str, body: bytes):
    return client.generic("POST", path, body, content_type="application/json")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["erro"], str)
    return body


# --- JSON bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/auth/register",
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/api/comentarios",
        "/api/v1/comentarios",
    ],
)
def test_a_body_of_1000_nested_lists_is_400_on_every_json_route(auth_client, path):
    body = assert_json_error(post_json(auth_client, path, NESTED_1000), 400)

    assert "aninhados" in body["erro"] or "JSON" in body["erro"]


def test_json_nested_past_the_depth_limit_is_400_and_stores_nothing(auth_client, settings):
    settings.JSON_MAX_DEPTH = 4
    item = {"texto": "ok", "extra": [[["fundo"]]]}  # depth 5 inside the list

    body = assert_json_error(
        post_json(auth_client, "/api/comentarios", json.dumps([item]).encode()), 400
    )

    assert "4 níveis" in body["erro"]
    assert not Comment.objects.exists()


def test_a_login_body_over_the_api_body_limit_is_413(api_client, settings):
    settings.API_MAX_BODY_BYTES = 1024
    body = json.dumps({"email": "a@exemplo.com", "password": "x" * 2000}).encode()

    assert_json_error(post_json(api_client, "/auth/login", body), 413)


def test_ingestion_keeps_its_own_larger_body_limit(auth_client, settings):
    settings.API_MAX_BODY_BYTES = 1024
    items = [{"texto": "x" * 100} for _ in range(50)]  # ~6 KB

    response = post_json(auth_client, "/api/comentarios", json.dumps(items).encode())

    assert response.status_code == 202


# --- Forms: Django's own limits answer JSON -----------------------------------------------------


def test_101_file_parts_are_a_json_400_not_django_html(auth_client):
    files = {f"f{n}": SimpleUploadedFile(f"{n}.csv", b"texto\nOi\n") for n in range(101)}

    body = assert_json_error(auth_client.post("/api/llm/analyze", files, format="multipart"), 400)

    assert "demais" in body["erro"]
    assert not Comment.objects.exists()


def test_too_many_form_fields_are_a_json_400(auth_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"campo{n}": "x" for n in range(20)}

    assert_json_error(auth_client.post("/api/llm/analyze", fields, format="multipart"), 400)


def test_a_file_and_a_text_together_are_400_and_store_nothing(auth_client):
    response = upload(auth_client, "a.csv", b"texto\nDo arquivo\n", text="Do campo")

    body = assert_json_error(response, 400)
    assert "não ambos" in body["erro"]
    assert not Comment.objects.exists()


# --- CSV -----------------------------------------------------------------------------------------


def test_a_csv_header_cell_of_200_kb_is_400_naming_line_1(auth_client):
    content = b"texto;" + b"x" * 200_000 + b"\nOi;\n"

    body = assert_json_error(upload(auth_client, "a.csv", content), 400)

    assert "linha 1" in body["erro"]
    assert body["detalhes"] == {"linha": 1}


@pytest.mark.parametrize("bad_row", [2, 3, 7])
def test_an_oversized_csv_cell_is_400_naming_its_own_row(auth_client, bad_row):
    rows = [b"Oi"] * 8
    rows[bad_row - 2] = b"x" * 200_000
    content = b"texto\n" + b"\n".join(rows) + b"\n"

    body = assert_json_error(upload(auth_client, "a.csv", content), 400)

    assert f"linha {bad_row}:" in body["erro"]
    assert not Comment.objects.exists()


def test_windows_1252_smart_quotes_and_dashes_are_read_as_such(auth_client):
    text = "“Ótimo” — ‘disco’… nota 10 €"
    content = b"texto\n" + text.encode("cp1252") + b"\n"

    response = upload(auth_client, "a.csv", content)

    assert response.status_code == 202
    assert Comment.objects.get().text == text


def test_a_byte_undefined_in_windows_1252_is_400_naming_its_line(auth_client):
    content = b"texto\nOl\xe1\nuns\x81bytes\n"

    body = assert_json_error(upload(auth_client, "a.csv", content), 400)

    assert "linha 3" in body["erro"]
    assert not Comment.objects.exists()


# --- XLSX ----------------------------------------------------------------------------------------


def _declare_uncompressed_size(archive: bytes, name: str, size: int) -> bytes:
    """Rewrite the sizes `name` declares in its local header and the central directory."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + size_offset, size)
            start += 4
    return bytes(data)


def test_an_xlsx_declaring_a_1_gib_part_is_refused_before_parsing(auth_client):
    workbook = xlsx_bytes([["texto"], ["curto"]])
    bomb = _declare_uncompressed_size(workbook, "xl/worksheets/sheet1.xml", 1 << 30)

    body = assert_json_error(upload(auth_client, "bomba.xlsx", bomb), 413)

    assert body["detalhes"]["bytes_descompactados"] > 1 << 30
    assert not Comment.objects.exists()


def test_an_xlsx_that_really_decompresses_past_the_limit_is_413(auth_client, settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1_000_000
    content = xlsx_bytes([["texto"], *[["a" * 20_000]] * 100])  # 2 MB in a few KB

    assert len(content) < 100_000
    assert_json_error(upload(auth_client, "grande.xlsx", content), 413)


def test_an_xlsx_cell_longer_than_the_cell_limit_is_400_naming_its_row(auth_client, settings):
    settings.XLSX_MAX_CELL_CHARS = 100
    content = xlsx_bytes([["texto"], ["ok"], ["b" * 101]])

    body = assert_json_error(upload(auth_client, "a.xlsx", content), 400)

    assert "linha 3" in body["erro"]


def test_defusedxml_guards_openpyxl_and_an_entity_bomb_is_400(auth_client):
    assert openpyxl.DEFUSEDXML is True
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>texto</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["texto"], ["x"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bomb:
        for part in source.infolist():
            sheet = part.filename == "xl/worksheets/sheet1.xml"
            bomb.writestr(part, laughs if sheet else source.read(part))

    body = assert_json_error(upload(auth_client, "lol.xlsx", buffer.getvalue()), 400)

    assert "XLSX" in body["erro"]
    assert not Comment.objects.exists()


# --- Ids ------------------------------------------------------------------------------------------

CANONICAL = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    "raw_id",
    [
        "",
        "{" + CANONICAL + "}",
        "urn:uuid:" + CANONICAL,
        CANONICAL.replace("-", ""),
        " " + CANONICAL,
        CANONICAL + "\n",
        CANONICAL[:-1],
        123,
        ["x"],
    ],
)
def test_an_id_that_is_not_a_canonical_uuid_string_is_rejected_by_index(auth_client, raw_id):
    items = [{"texto": "válido"}, {"id": raw_id, "texto": "id ruim"}]

    response = auth_client.post("/api/comentarios", items, format="json")

    assert response.status_code == 202
    assert [r["indice"] for r in response.json()["rejeitados"]] == [1]
    assert list(Comment.objects.values_list("text", flat=True)) == ["válido"]


def test_an_upper_case_canonical_id_is_accepted_and_stored_lower_case(auth_client):
    response = auth_client.post(
        "/api/comentarios", [{"id": CANONICAL.upper(), "texto": "ok"}], format="json"
    )

    assert response.json()["ids_enfileirados"] == [CANONICAL]
    assert Comment.objects.filter(pk=CANONICAL).exists()


def test_a_null_id_gets_a_new_id(auth_client):
    response = auth_client.post("/api/comentarios", [{"id": None, "texto": "ok"}], format="json")

    assert response.status_code == 202
    uuid.UUID(response.json()["ids_enfileirados"][0])


def test_repeated_ids_in_a_csv_keep_the_first_row_and_reject_later_rows(auth_client):
    content = f"id;texto\n{CANONICAL};primeiro\n;outro\n{CANONICAL};segundo\n".encode()

    body = upload(auth_client, "a.csv", content).json()

    assert [r["indice"] for r in body["rejeitados"]] == [4]
    assert Comment.objects.get(pk=CANONICAL).text == "primeiro"


# --- Texts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\t=1+1", "  dois espaços  ", "linha\n", "\u00a0nbsp"])
def test_a_text_is_stored_exactly_as_sent(auth_client, text):
    auth_client.post("/api/comentarios", [{"texto": text}], format="json")

    assert Comment.objects.get().text == text


@pytest.mark.parametrize("text", [" ", "\t\n", "\u3000\u2003", "\r\n\r\n"])
def test_a_whitespace_only_text_is_rejected(auth_client, text):
    response = auth_client.post("/api/comentarios", [{"texto": text}], format="json")

    body = assert_json_error(response, 400)
    assert "vazio" in body["detalhes"]["rejeitados"][0]["erro"]


def test_an_nfd_text_is_stored_in_nfc_and_found_by_either_spelling(auth_client):
    nfd = unicodedata.normalize("NFD", "Música boa")
    auth_client.post("/api/comentarios", [{"texto": nfd}], format="json")
    # What a worker's claim does (tests/insights/test_search_documents.py); here only the
    # spellings matter.
    search_documents_write(comment_ids=[Comment.objects.get().pk])

    assert Comment.objects.get().text == "Música boa"
    for query in ("música", unicodedata.normalize("NFD", "música")):
        found = auth_client.get("/api/comentarios", {"search": query, "limit": 10}).json()[
            "comentarios"
        ]
        assert [c["texto"] for c in found] == ["Música boa"]


def test_the_length_limit_counts_the_normalised_text(auth_client, settings):
    settings.INGEST_MAX_TEXT_LENGTH = 10
    nfd_fits = unicodedata.normalize("NFD", "ééééé")  # 10 code points sent, 5 stored
    grows = "\u0958" * 6  # a composition exclusion: 6 sent, 12 after NFC

    response = auth_client.post(
        "/api/comentarios", [{"texto": nfd_fits}, {"texto": grows}], format="json"
    )

    assert len(response.json()["ids_enfileirados"]) == 1
    assert [r["indice"] for r in response.json()["rejeitados"]] == [1]


# --- Unknown paths and methods ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/nao-existe", 404),
        ("get", "/auth/nao-existe", 404),
        ("put", "/api/comentarios", 405),
        ("get", "/auth/login", 405),
    ],
)
def test_errors_under_the_api_prefixes_are_json(auth_client, method, path, status):
    assert_json_error(getattr(auth_client, method)(path), status)


@pytest.mark.parametrize(
    "instant",
    ["0401-12-11T05:29:00+21:53", "2025-01-01T00:00:00-23:59", "0001-01-01T00:00:00+05:00"],
)
def test_a_filter_instant_with_an_offset_postgres_refuses_is_not_a_500(auth_client, instant):
    response = auth_client.get("/api/v1/comentarios", {"received_before": instant})

    assert response.status_code in {200, 400}  # found by schemathesis: was a DataError 500

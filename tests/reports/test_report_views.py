"""`/relatorio/` and `/api/relatorio/semana`: content, validators, 304, no throttling."""

from __future__ import annotations

import base64
import gzip
import io
import re
from xml.etree import ElementTree

import pytest
from django.test import Client
from PIL import Image

from reports import services

pytestmark = pytest.mark.django_db

SVG = re.compile(r"<svg .*?</svg>", re.DOTALL)


@pytest.fixture
def built(make_classified):
    make_classified(7, "ELOGIO", tags=("album",))
    make_classified(3, "CRÍTICA", tags=("bug_app",))
    return services.snapshot_build()


def test_before_the_first_snapshot_the_page_says_so(client):
    response = client.get("/relatorio/")

    assert response.status_code == 200
    assert "O primeiro relatório ainda está sendo preparado" in response.content.decode()


def test_before_the_first_snapshot_the_json_is_empty_not_an_error(client):
    response = client.get("/api/relatorio/semana")

    assert response.status_code == 200
    assert response.json() == {"graficos": [], "dados": {}, "atualizado_em": None}


def test_the_page_shows_the_numbers_every_chart_and_its_table(client, built):
    html = client.get("/relatorio/").content.decode()

    assert '<html lang="pt-br">' in html
    assert "Relatório público" in html
    assert ">10<" in html  # total comments
    svgs = SVG.findall(html)
    assert len(svgs) == 8
    for svg in svgs:
        ElementTree.fromstring(svg)
    for chart in built.charts:
        assert chart["titulo"] in html
    assert html.count("Ver os dados em tabela") == 8
    assert "bug_app" in html


def test_the_page_loads_nothing_from_another_host(client, built):
    html = client.get("/relatorio/").content.decode()

    sources = re.findall(r'(?:src|href)="([^"#][^"]*)"', SVG.sub("", html))
    assert sources
    assert all(url.startswith("/") for url in sources), sources


def test_the_json_has_every_chart_as_a_png_and_the_numbers(client, built):
    body = client.get("/api/relatorio/semana").json()

    assert [chart["titulo"] for chart in body["graficos"]] == [c["titulo"] for c in built.charts]
    for chart in body["graficos"]:
        assert set(chart) == {"titulo", "imagem_base64"}
        assert Image.open(io.BytesIO(base64.b64decode(chart["imagem_base64"]))).format == "PNG"
    assert body["dados"]["total_comentarios"] == 10
    assert body["dados"]["por_categoria"]["CRÍTICA"] == 3
    assert body["atualizado_em"].startswith(built.built_at.astimezone().strftime("%Y-"))


@pytest.mark.parametrize("path", ["/relatorio/", "/api/relatorio/semana"])
def test_both_send_validators_and_a_short_cache_and_answer_304(client, built, path):
    first = client.get(path)

    assert first["ETag"]
    assert first["Last-Modified"]
    assert "max-age=5" in first["Cache-Control"]
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


@pytest.mark.parametrize("path", ["/relatorio/", "/api/relatorio/semana"])
def test_gzip_is_sent_to_clients_that_accept_it(client, built, path):
    plain = client.get(path)
    packed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content)


@pytest.mark.parametrize("path", ["/relatorio/", "/api/relatorio/semana"])
def test_a_new_snapshot_changes_the_etag(client, built, make_classified, path):
    before = client.get(path)["ETag"]
    make_classified(1, "SPAM")
    services.snapshot_build()

    after = client.get(path, HTTP_IF_NONE_MATCH=before)

    assert after.status_code == 200
    assert after["ETag"] != before


@pytest.mark.parametrize("path", ["/relatorio/", "/api/relatorio/semana"])
def test_many_requests_from_one_ip_are_not_throttled(built, path):
    client = Client(REMOTE_ADDR="203.0.113.9")

    statuses = {client.get(path).status_code for _ in range(80)}  # the anon limit is 60/min

    assert statuses == {200}


def test_the_page_shows_the_alerts_in_force(settings, client, make_classified):
    settings.REPORT_SPIKE_MIN_COUNT = 5
    make_classified(1, "CRÍTICA", days_ago=10, tags=("bug_app",))
    make_classified(30, "CRÍTICA", tags=("bug_app",))
    services.snapshot_build()

    html = client.get("/relatorio/").content.decode()

    assert "Alertas em vigor" in html
    assert "A tag bug_app apareceu em 30 comentários" in html

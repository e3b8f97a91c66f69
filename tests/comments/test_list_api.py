"""Reading comments: legacy list and export, detail, v1 cursor pages, filters, query counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, CommentTag
from tests.factories import (
    ApiClientFactory,
    CommentFactory,
    CuratorFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(client_user):
    """Three comments of the authenticated client, oldest first, one classified with tags."""
    now = timezone.now()
    praise = CommentFactory(
        submitted_by=client_user,
        text="Adorei o novo álbum",
        status="CONCLUIDO",
        category="ELOGIO",
        confidence=0.93,
        received_at=now - timedelta(hours=3),
    )
    CommentTag.objects.create(
        comment=praise, tag=TagFactory(code="album"), explanation="cita o álbum"
    )
    CommentTag.objects.create(comment=praise, tag=TagFactory(code="producao"), explanation="")
    criticism = CommentFactory(
        submitted_by=client_user,
        text="O som do show estava baixo",
        status="CONCLUIDO",
        category="CRÍTICA",
        confidence=0.71,
        received_at=now - timedelta(hours=2),
    )
    pending = CommentFactory(
        submitted_by=client_user, text="Quando sai a turnê?", received_at=now - timedelta(hours=1)
    )
    return praise, criticism, pending


def body_of(response) -> dict:
    """The JSON body, whether streamed (no `limit`) or not."""
    if response.streaming:
        return json.loads(b"".join(response.streaming_content))
    return response.json()


def texts(response) -> list[str]:
    return [c["texto"] for c in body_of(response)["comentarios"]]


def test_the_legacy_list_is_newest_first_in_the_contract_shape(auth_client, mine):
    praise, _, _ = mine

    response = auth_client.get("/api/comentarios")

    assert response.status_code == 200
    body = body_of(response)
    assert [c["texto"] for c in body["comentarios"]] == [
        "Quando sai a turnê?",
        "O som do show estava baixo",
        "Adorei o novo álbum",
    ]
    item = body["comentarios"][2]
    assert item == {
        "id": str(praise.pk),
        "texto": "Adorei o novo álbum",
        "status": "CONCLUIDO",
        "categoria": "ELOGIO",
        "confianca": 0.93,
        "data_recebimento": timezone.localtime(praise.received_at).isoformat(),
        "tags": [
            {"codigo": "album", "explicacao": "cita o álbum"},
            {"codigo": "producao", "explicacao": ""},
        ],
    }


def test_status_and_category_are_repeatable(auth_client, mine):
    by_status = auth_client.get("/api/comentarios?status=PENDENTE&status=CONCLUIDO")
    by_category = auth_client.get("/api/comentarios?category=ELOGIO&category=CRÍTICA")
    one_category = auth_client.get("/api/comentarios?category=CRÍTICA")

    assert len(texts(by_status)) == 3
    assert len(texts(by_category)) == 2
    assert texts(one_category) == ["O som do show estava baixo"]


def test_search_is_case_insensitive(auth_client, mine):
    response = auth_client.get("/api/comentarios", {"search": "SHOW"})

    assert texts(response) == ["O som do show estava baixo"]


def test_received_at_range_filters(auth_client, mine):
    since = (timezone.now() - timedelta(minutes=90)).isoformat()

    response = auth_client.get("/api/comentarios", {"received_after": since})

    assert texts(response) == ["Quando sai a turnê?"]


@pytest.mark.parametrize(
    "query",
    [
        "status=TALVEZ",
        "category=elogio",
        "limit=0",
        "limit=1001",
        "limit=abc",
        "received_after=ontem",
    ],
)
def test_invalid_filter_values_are_400(auth_client, mine, query):
    response = auth_client.get(f"/api/comentarios?{query}")

    assert response.status_code == 400
    assert response.json()["erro"] == "Parâmetros de filtro inválidos."


def test_limit_bounds_the_legacy_page(auth_client, mine):
    assert texts(auth_client.get("/api/comentarios?limit=2")) == [
        "Quando sai a turnê?",
        "O som do show estava baixo",
    ]


def test_format_json_downloads_the_bare_array_as_an_attachment(auth_client, mine):
    response = auth_client.get("/api/comentarios?format=json&category=ELOGIO")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="comentarios.json"'
    assert response["Content-Type"].startswith("application/json")
    exported = json.loads(b"".join(response.streaming_content))
    assert [c["texto"] for c in exported] == ["Adorei o novo álbum"]
    assert exported[0]["tags"][0] == {"codigo": "album", "explicacao": "cita o álbum"}


def test_format_json_with_nothing_to_export_is_an_empty_array(auth_client, mine):
    response = auth_client.get("/api/comentarios?format=json&search=inexistente")

    assert json.loads(b"".join(response.streaming_content)) == []


def test_export_streams_every_row_beyond_the_page_limit(auth_client, client_user):
    Comment.objects.bulk_create(
        [Comment(text=f"c{n}", submitted_by=client_user) for n in range(2500)]
    )

    response = auth_client.get("/api/comentarios?format=json")

    assert len(json.loads(b"".join(response.streaming_content))) == 2500


def test_the_list_makes_the_same_queries_for_3_or_60_comments(
    auth_client, client_user, mine, django_assert_num_queries
):
    tag = TagFactory(code="show")
    for n in range(57):
        CommentTag.objects.create(
            comment=CommentFactory(submitted_by=client_user, text=f"c{n}"), tag=tag
        )

    # groups (is_curator), comments, their tags
    with django_assert_num_queries(3):
        response = auth_client.get("/api/comentarios?limit=100")

    assert len(texts(response)) == 60


def streamed(response) -> dict:
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def test_without_limit_the_legacy_list_streams_every_row(auth_client, client_user):
    Comment.objects.bulk_create(
        [Comment(text=f"c{n}", submitted_by=client_user) for n in range(2500)]
    )

    body = streamed(auth_client.get("/api/comentarios"))

    assert len(body["comentarios"]) == 2500
    assert body["comentarios"][0]["status"] == "PENDENTE"


def test_without_limit_the_legacy_list_keeps_filters_and_visibility(auth_client, mine):
    CommentFactory(
        submitted_by=ApiClientFactory(), text="De outro cliente, ELOGIO", category="ELOGIO"
    )

    body = streamed(auth_client.get("/api/comentarios?category=ELOGIO"))

    assert [c["texto"] for c in body["comentarios"]] == ["Adorei o novo álbum"]


def test_without_limit_an_empty_result_is_an_empty_envelope(auth_client, mine):
    assert streamed(auth_client.get("/api/comentarios?search=inexistente")) == {"comentarios": []}


def test_detail_returns_the_object(auth_client, mine):
    praise, _, _ = mine

    response = auth_client.get(f"/api/comentarios/{praise.pk}")

    assert response.status_code == 200
    assert response.json()["categoria"] == "ELOGIO"


@pytest.mark.parametrize("comment_id", ["0b5f0c64-47a4-4b7a-9d51-1f0b2b8c1c11", "nao-e-uuid"])
def test_detail_of_an_unknown_id_is_a_json_404(auth_client, comment_id):
    response = auth_client.get(f"/api/comentarios/{comment_id}")

    assert response.status_code == 404
    assert response.json() == {"erro": "Comentário não encontrado."}


def test_another_clients_comment_is_a_404(auth_client):
    other = CommentFactory(submitted_by=ApiClientFactory())

    assert auth_client.get(f"/api/comentarios/{other.pk}").status_code == 404
    assert auth_client.get(f"/api/v1/comentarios/{other.pk}").status_code == 404


def test_a_curator_reads_every_comment(curator, mine):
    CommentFactory(submitted_by=ApiClientFactory(), text="de outro")
    client = APIClient()
    client.force_authenticate(curator)

    assert len(body_of(client.get("/api/comentarios"))["comentarios"]) == 4


def _listed_texts(client: APIClient, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    body = body_of(response)
    if isinstance(body, list):  # format=json
        return {c["texto"] for c in body}
    return {c["texto"] for c in body.get("comentarios", body.get("results", []))}


LIST_PATHS = [
    "/api/comentarios",
    "/api/comentarios?limit=1000",
    "/api/comentarios?format=json",
    "/api/v1/comentarios",
]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_an_api_client_never_lists_another_clients_comments(auth_client, client_user, path):
    CommentFactory(submitted_by=client_user, text="meu")
    CommentFactory(submitted_by=ApiClientFactory(), text="de outro cliente")
    CommentFactory(submitted_by=None, text="importado sem remetente")

    assert _listed_texts(auth_client, path) == {"meu"}


@pytest.mark.parametrize(
    "reader",
    [
        pytest.param(lambda: CuratorFactory(is_staff=False), id="curadores-group-without-staff"),
        pytest.param(lambda: UserFactory(is_staff=True), id="staff-without-group"),
    ],
)
@pytest.mark.parametrize("path", LIST_PATHS)
def test_curators_and_staff_list_every_comment(reader, path):
    CommentFactory(submitted_by=ApiClientFactory(), text="de um cliente")
    CommentFactory(submitted_by=None, text="importado sem remetente")
    client = APIClient()
    client.force_authenticate(reader())

    assert _listed_texts(client, path) == {"de um cliente", "importado sem remetente"}


def test_v1_pages_with_a_cursor_through_every_comment(auth_client, mine):
    first = auth_client.get("/api/v1/comentarios?page_size=2").json()
    second = auth_client.get(first["next"]).json()

    assert [c["texto"] for c in first["results"]] == [
        "Quando sai a turnê?",
        "O som do show estava baixo",
    ]
    assert [c["texto"] for c in second["results"]] == ["Adorei o novo álbum"]
    assert second["next"] is None


def test_v1_cursor_pages_do_not_repeat_rows_received_in_one_request(auth_client):
    auth_client.post("/api/comentarios", [{"texto": f"c{n}"} for n in range(1500)], format="json")

    seen: list[str] = []
    url = "/api/v1/comentarios?page_size=400"
    while url:
        page = auth_client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]

    assert len(seen) == len(set(seen)) == 1500


def test_v1_filters_and_ordering(auth_client, mine):
    filtered = auth_client.get("/api/v1/comentarios?status=CONCLUIDO&ordering=received_at").json()

    assert [c["texto"] for c in filtered["results"]] == [
        "Adorei o novo álbum",
        "O som do show estava baixo",
    ]


def test_v1_posts_like_the_legacy_route(auth_client):
    response = auth_client.post("/api/v1/comentarios", {"texto": "pela v1"}, format="json")

    assert response.status_code == 202
    assert response.json()["mensagem"] == "1 comentário recebido e enfileirado."


def test_the_streamed_list_matches_the_paged_list_field_for_field(auth_client, client_user):
    # The stream renders rows its own way (ids and times from SQL, tags as JSON built by
    # PostgreSQL); a whole second, quotes, a newline and an emoji must come out as the
    # serializer writes them.
    whole_second = timezone.now().replace(microsecond=0) - timedelta(days=40)
    odd = CommentFactory(submitted_by=client_user, text='Diz "oi"\n🎸', received_at=whole_second)
    CommentTag.objects.create(comment=odd, tag=TagFactory(code="zeta"), explanation='a "b"\nc')
    CommentTag.objects.create(comment=odd, tag=TagFactory(code="alfa"), explanation="é 🎸")
    CommentFactory(submitted_by=client_user, text="sem tags", confidence=0.5)

    paged = auth_client.get("/api/comentarios?limit=1000").json()

    assert streamed(auth_client.get("/api/comentarios")) == paged
    assert paged["comentarios"][1]["data_recebimento"] == (
        timezone.localtime(whole_second).isoformat()
    )
    assert [t["codigo"] for t in paged["comentarios"][1]["tags"]] == ["alfa", "zeta"]

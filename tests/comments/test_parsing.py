"""File readers: encodings, delimiters, headers and the streaming JSON reader."""

from __future__ import annotations

import io
import json

import pytest

from comments.ingestion import encoding
from comments.ingestion import readers as parsing
from comments.ingestion.readers import ParsedRow, read_items
from lib.errors import ValidationFailed


def rows(content: bytes, name: str) -> list[ParsedRow]:
    return list(read_items(io.BytesIO(content), filename=name))


def read_in_chunks_of(monkeypatch, chunk: int) -> None:
    """Both the encoding check and the JSON reader read `chunk` bytes/characters at a time."""
    monkeypatch.setattr(encoding, "READ_CHUNK", chunk)


def test_csv_headers_are_matched_without_case_accents_or_spaces():
    result = rows(" ID ;Téxto\nabc;Oi\n".encode(), "a.csv")

    assert result == [ParsedRow(2, {"texto": "Oi", "id": "abc"})]


def test_csv_quoted_fields_keep_newlines_and_delimiters():
    result = rows(b'texto;id\n"linha um\nlinha dois; ainda";\n', "a.csv")

    assert result[0].item["texto"] == "linha um\nlinha dois; ainda"


def test_csv_blank_lines_are_skipped_but_keep_row_numbers():
    result = rows(b"texto\nA\n\nB\n", "a.csv")

    assert [r.number for r in result] == [2, 4]


def test_latin1_is_detected_even_after_a_megabyte_of_ascii():
    content = b"texto\n" + b"abc\n" * 300_000 + "Canção".encode("latin-1") + b"\n"

    assert rows(content, "a.csv")[-1].item["texto"] == "Canção"


def test_a_file_without_extension_is_typed_by_its_content():
    assert rows(b' ["Oi"]', "upload")[0].item == {"texto": "Oi"}
    assert rows(b"texto\nOi\n", "upload")[0].item == {"texto": "Oi"}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_json_elements_are_read_correctly_across_any_chunk_boundary(monkeypatch, chunk):
    read_in_chunks_of(monkeypatch, chunk)
    data = ["olá", {"texto": "b", "id": "x"}, 123456789, [1, 2], {"texto": "fim ]"}]

    result = rows(json.dumps(data, ensure_ascii=False).encode(), "a.json")

    assert [r.item for r in result] == [{"texto": "olá"}, *data[1:]]
    assert [r.number for r in result] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_a_json_file_holding_one_object_is_one_row(monkeypatch, chunk):
    read_in_chunks_of(monkeypatch, chunk)

    result = rows(b' {"texto": "Oi", "id": "x"}\n', "a.json")

    assert result == [parsing.ParsedRow(0, {"texto": "Oi", "id": "x"})]


@pytest.mark.parametrize(
    "content", [b"", b"[", b'["a",]', b'["a" "b"]', b'["a"] x', b'{"texto": "a"} x', b"nada"]
)
def test_invalid_json_raises_validation_failed(content):
    with pytest.raises(ValidationFailed):
        rows(content, "a.json")

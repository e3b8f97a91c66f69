"""`manage.py import_comments`: streams files through the ingestion service and sums up."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_comments", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def mixed_csv(tmp_path: Path) -> Path:
    known = Comment.objects.create(text="já estava aqui")
    path = tmp_path / "mixed.csv"
    path.write_text(
        "id;texto\n"
        f"{uuid.uuid4()};Ótimo show\n"
        ";   \n"
        "nao-e-uuid;Bom\n"
        f"{known.pk};repetido\n"
        ";Gostei muito\n",
        encoding="utf-8",
    )
    return path


def test_a_mixed_file_reports_stored_known_and_rejected_rows(mixed_csv):
    output = run(str(mixed_csv), "--chunk-size", "2")

    assert "2 armazenados, 1 já conhecidos, 2 rejeitados" in output
    assert "linha 3: o texto está vazio" in output
    assert "linha 4: o campo 'id' deve ser um UUID válido" in output
    assert set(Comment.objects.filter(source="import").values_list("text", flat=True)) == {
        "Ótimo show",
        "Gostei muito",
    }


def test_several_files_get_a_total(tmp_path, client_user):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("texto\nUm\nDois\n", encoding="latin-1")
    json_path = tmp_path / "b.json"
    json_path.write_text(json.dumps(["Três"]), encoding="utf-8")

    output = run(str(csv_path), str(json_path), "--user", client_user.email.upper())

    assert "Total: 3 armazenados, 0 já conhecidos, 0 rejeitados" in output
    assert Comment.objects.filter(submitted_by=client_user).count() == 3


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Não foi possível abrir"):
        run(str(tmp_path / "nao-existe.csv"))


def test_an_unreadable_file_is_a_command_error_and_stores_nothing(tmp_path):
    path = tmp_path / "quebrado.json"
    path.write_text('["a", ', encoding="utf-8")

    with pytest.raises(CommandError, match="JSON inválido"):
        run(str(path))
    assert not Comment.objects.exists()


def test_an_unknown_user_is_a_command_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("texto\nUm\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Usuário não encontrado"):
        run(str(path), "--user", "ninguem@exemplo.com")

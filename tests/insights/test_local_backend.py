"""The local backend: answers a whole batch with valid, calibrated results; loads once."""

from __future__ import annotations

import threading
import time

import pytest

from insights.classifiers import get_backend
from insights.classifiers.local import backend as local_module
from insights.classifiers.local.backend import LocalBackend
from insights.domain import CATEGORIES, CommentInput
from insights.taxonomy import taxonomy_codes

OBVIOUS = {
    "amei demais o álbum novo, que voz linda 😍😍": "ELOGIO",
    "o app fecha sozinho toda vez que abro a playlist, muito ruim": "CRÍTICA",
    "seria legal ter modo escuro no aplicativo do computador": "SUGESTÃO",
    "quando sai o álbum novo da banda?": "DÚVIDA",
    "ganhe seguidores grátis!!! acesse www.seguidores-baratos.com e use o cupom PROMO50": "SPAM",
}


def batch(texts) -> list[CommentInput]:
    return [CommentInput(id=f"c{i}", text=text) for i, text in enumerate(texts)]


def test_every_id_is_answered_with_a_valid_label_confidence_margin_and_tags(local_backend):
    items = batch([*OBVIOUS, "ok", "🔥", "a" * 3000])

    result = local_backend.classify(items)

    assert result.failures == []
    assert [c.id for c in result.classifications] == [item.id for item in items]
    for answer in result.classifications:
        assert answer.category in CATEGORIES
        assert 0.0 <= answer.margin <= answer.confidence <= 1.0
        # The best of five probabilities is at least a fifth; the margin fits under it.
        assert answer.confidence >= 0.2
        assert answer.backend == "local"
        assert answer.model == "local-tfidf-lr+use"  # the default cascade
        assert answer.prompt_version.startswith("cascade-")
        assert {tag.code for tag in answer.tags} <= taxonomy_codes()
        assert all(tag.explanation for tag in answer.tags)


def test_obvious_examples_of_each_label_are_classified_right(local_backend):
    result = local_backend.classify(batch(OBVIOUS))

    assert [c.category for c in result.classifications] == list(OBVIOUS.values())


def test_tags_come_with_the_quoted_evidence(local_backend):
    (answer,) = local_backend.classify(batch(["o ingresso do show tá caro demais"])).classifications

    assert ("show_ingresso", 'menciona "ingresso"') in [
        (t.code, t.explanation) for t in answer.tags
    ]


def test_an_empty_batch_gets_an_empty_answer(local_backend):
    assert local_backend.classify([]).classifications == []


def test_get_backend_returns_the_same_process_wide_instance(local_backend):
    assert get_backend("local") is local_backend
    assert LocalBackend.shared() is local_backend


def test_concurrent_first_use_loads_the_model_once(trained_model_dir, monkeypatch):
    loads = []
    real_load = local_module.load_or_build

    def counting_load(*args, **kwargs):
        loads.append(threading.get_ident())
        time.sleep(0.2)  # widen the window in which a second thread could start loading
        return real_load(*args, **kwargs)

    monkeypatch.setattr(local_module, "load_or_build", counting_load)
    backend = LocalBackend(variant="default", model_dir=trained_model_dir)
    start = threading.Barrier(6)
    seen = []

    def first_use():
        start.wait()
        seen.append(backend.classify(batch(["bom demais"])).classifications[0].category)

    threads = [threading.Thread(target=first_use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loads) == 1
    assert seen == ["ELOGIO"] * 6


def test_an_unknown_model_variant_is_refused(settings):
    with pytest.raises(ValueError, match="Unknown local model"):
        LocalBackend(variant="gigante")

"""The keyword tagger: tolerant matching, quoted evidence, conservative output."""

from __future__ import annotations

import pytest

from insights.classifiers.local.tagger import (
    MAX_TAGS,
    looks_meaningless,
    tag_comment,
    within_one_edit,
)
from insights.taxonomy import taxonomy_codes


def codes(text: str, category: str | None = "CRÍTICA") -> set[str]:
    return {tag.code for tag in tag_comment(text, category)}


@pytest.mark.parametrize(
    "text",
    [
        "a letra sincronizada atrasa",
        "A LETRA SINCRONIZADA ATRASA",
        "a létra sincronizáda atrasa",
        "a letra sincronisada atrasa",  # typo
        "a letraaa sincronizadaaa atrasa",  # elongation
    ],
)
def test_matching_ignores_case_accents_elongation_and_one_typo(text):
    assert "letra_sincronizada" in codes(text)


def test_prefix_terms_match_inflections():
    assert "retrospectiva" in codes("amei as retrospectivas de vocês", "ELOGIO")


def test_explanation_quotes_the_evidence_as_written_in_the_comment():
    (tag,) = [
        t for t in tag_comment("O INGRESSO tá caro demais", "CRÍTICA") if t.code == "show_ingresso"
    ]

    assert tag.explanation == 'menciona "INGRESSO"'


def test_multi_word_evidence_is_quoted_whole():
    tags = tag_comment("seria ótimo ter modo escuro no app", "SUGESTÃO")

    assert [(t.code, t.explanation) for t in tags] == [("interface", 'menciona "modo escuro"')]


def test_unrelated_text_gets_no_tag():
    assert codes("hoje acordei cedo e fui trabalhar", "ELOGIO") == set()


def test_short_words_are_not_matched_with_a_typo():
    # "caro" is not "carro" (dispositivos): short words need an exact match.
    assert "dispositivos" not in codes("muito caro")


def test_never_more_than_max_tags_and_all_codes_are_canonical():
    text = (
        "o app trava no carro, o podcast não baixa offline, a retrospectiva sumiu, o suporte "
        "não responde, anúncio toda hora e a busca não acha nada"
    )

    tags = tag_comment(text, "CRÍTICA")

    assert 1 <= len(tags) <= MAX_TAGS
    assert {t.code for t in tags} <= taxonomy_codes()


def test_spam_codes_only_for_spam_and_topic_codes_never_for_spam():
    text = "me segue no meu canal, link na bio, sorteio de ingresso do show"

    assert codes(text, "SPAM") <= {"autopromocao", "link_externo", "promocao_externa"}
    assert codes(text, "SPAM")
    assert not codes(text, "ELOGIO") & {"autopromocao", "link_externo", "promocao_externa"}


def test_a_bare_link_in_spam_is_tagged_link_externo_quoting_it():
    tags = tag_comment("olha isso bit.ly/xyz123", "SPAM")

    assert ("link_externo", 'contém o link "bit.ly/xyz123"') in [
        (t.code, t.explanation) for t in tags
    ]


@pytest.mark.parametrize("text", ["asdfghjkl qwerty", "😂😂😂😂", "bruh bruh bruh bruh"])
def test_gibberish_spam_is_tagged_meaningless(text):
    assert looks_meaningless(text)
    assert "conteudo_sem_sentido" in codes(text, "SPAM")


def test_ordinary_sentences_do_not_look_meaningless():
    assert not looks_meaningless("o show de ontem foi incrível, construção de palco impecável")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("sincronizada", "sincronisada", True),  # substitution
        ("ingresso", "ingreso", True),  # deletion
        ("ingresso", "ingressso", True),  # insertion
        ("retrospectiva", "retrosepctiva", True),  # swap
        ("ingresso", "egresso", False),
        ("playlist", "plyalsit", False),
    ],
)
def test_within_one_edit(a, b, expected):
    assert within_one_edit(a, b) is expected


# A transactional test earlier in the same process flushes the tables, data migrations' rows
# included: serialized_rollback restores the migrated state first.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_data_migration_loads_every_taxonomy_code_with_its_description():
    from comments.models import Tag, TagOrigin
    from insights.taxonomy import TAXONOMY

    stored = dict(Tag.objects.filter(origin=TagOrigin.TAXONOMY).values_list("code", "description"))

    assert stored == TAXONOMY
    assert len(TAXONOMY) >= 35

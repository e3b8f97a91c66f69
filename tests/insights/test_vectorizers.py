"""The fast vectorizers and text normalisation give what their slow references give."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from insights.classifiers.local.features import is_shouting, normalise_for_model, normalise_many
from insights.classifiers.local.training import TOKEN_PATTERN
from insights.classifiers.local.vectorizers import CachedCharTfidf, CharNgramAnalyzer, WordTfidf

TRAIN = [
    "o show foi lindo demais, lindo lindo",
    "o app fecha sozinho quando abro a playlist",
    "cadê o botão de repetir? mudou de lugar",
    "ouçam meu som no link da bio 🔥🔥",
    "nao sai da minha cabeca essa musica",
]
# Unseen words, a word repeated, an empty text and one with no known n-gram at all.
NEW = ["lindo show, lindo app", "", "zzqx wwv", "playlist playlist playlist nova", "🔥"]


def _dense(matrix) -> np.ndarray:
    return np.asarray(matrix.todense())


@pytest.mark.parametrize("min_df", [1, 2])
def test_char_tfidf_equals_scikit_learns_on_new_texts_with_a_cold_and_a_warm_cache(min_df):
    ours = CachedCharTfidf(ngram_range=(2, 5), min_df=min_df).fit(TRAIN)
    reference = TfidfVectorizer(
        analyzer=CharNgramAnalyzer(2, 5), min_df=min_df, sublinear_tf=True
    ).fit(TRAIN)
    reference.vocabulary_ = ours.vocabulary_  # same terms; compare column for column
    expected = _dense(reference.transform(NEW))
    for _ in range(2):  # the second pass reads every word from the cache
        np.testing.assert_allclose(_dense(ours.transform(NEW)), expected, atol=1e-6)


def test_word_tfidf_equals_scikit_learns_unigrams_and_bigrams():
    ours = WordTfidf(token_pattern=TOKEN_PATTERN).fit(TRAIN)
    reference = TfidfVectorizer(
        lowercase=False, token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), sublinear_tf=True
    ).fit(TRAIN)
    np.testing.assert_allclose(
        _dense(ours.transform(NEW)), _dense(reference.transform(NEW)), atol=1e-6
    )


@pytest.mark.parametrize(
    ("text", "shouting"),
    [
        ("MDS QUE VOZ É ESSA", True),
        ("O APP CAIU DE NOVO!!! ABSURDO né", True),
        ("O APP CAIU DE NOVO!!! Absurdo", False),  # 13 capitals of 20 letters
        ("Achei o disco fraco.", False),
        ("O Show Em BH Foi Bom", False),
        ("AAA ok", False),  # a few capitals, too few letters to be shouting
        ("top demais", False),
    ],
)
def test_shouting_needs_most_letters_in_capitals(text, shouting):
    assert is_shouting(text) is shouting


def test_links_become_placeholders_and_plain_full_stops_do_not():
    assert "_url_" in normalise_for_model("ganhe premium em alumusic-premium.net agora")
    assert "_url_" in normalise_for_model("veja https://x.y/z")
    assert "_url_" not in normalise_for_model("Achei o disco fraco. A voz some.")


def test_a_batch_is_normalised_as_each_text_alone_and_nothing_leaks_between_texts():
    texts = [
        "ganhe já em alumusic-premium.net",  # a link
        "fim com DDD 11",  # digits at the end of one text ...
        "91234-5678 no começo",  # ... and the start of the next: no phone across them
        "preço r$",
        "10 reais",
        "PROMO50 e @perfil.oficial\nsegunda linha",
        "MDS QUE VOZ É ESSA",
        "Música   boa, muuuito boa 🔥",
        "",
        "ﬁm ª",  # compatibility characters fold as in the per-text path
        "texto com \x00 no meio",
    ]
    expected = [normalise_for_model(text).replace("\n", " ") for text in texts]
    assert normalise_many(texts) == expected
    assert normalise_many(texts[:-1]) == expected[:-1]  # the joined path (no NUL in a text)
    assert normalise_many([]) == []


def test_word_tfidf_keeps_texts_apart_in_a_batch():
    words = WordTfidf(token_pattern=TOKEN_PATTERN).fit(["show lindo", "app ruim"])
    alone = [_dense(words.transform([text])) for text in ["show", "lindo app", "ruim"]]
    together = _dense(words.transform(["show", "lindo app", "ruim"]))
    np.testing.assert_allclose(together, np.vstack(alone), atol=1e-6)

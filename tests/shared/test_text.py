"""shared.text: the regex tokenizer, HTML to text, social-media masking, the leak-free split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from shared.text import (
    first_occurrences,
    html_to_text,
    mask_social,
    normalize_whitespace,
    split_texts,
    tokenize,
)


def test_tokenize_matches_scikit_learn_default_analyzer():
    text = "Don't panic: it's 42 o'clock, naïve café — e-mail me at a@b.io!"
    assert tokenize(text) == CountVectorizer().build_analyzer()(text)
    assert tokenize("ABC def", lowercase=False) == ["ABC", "def"]


def test_html_to_text_keeps_visible_text_only():
    markup = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<p>Hello&nbsp;<b>world</b> &amp; friends</p><script>alert('x')</script>"
        "<ul><li>one</li><li>two</li></ul><p>unclosed <i>tag"
    )
    assert html_to_text(markup) == "Hello world & friends\none\ntwo\nunclosed tag"
    assert html_to_text("") == ""
    assert html_to_text("a < b and <<>> c") == "a < b and <<>> c"


def test_mask_social_and_whitespace():
    text = "@united thanks! see https://t.co/x1 or www.x.com, mail a@b.com"
    assert mask_social(text) == "@user thanks! see http or http mail a@b.com"
    assert normalize_whitespace("  a\n\tb   c ") == "a b c"


def test_split_texts_is_stratified_disjoint_and_seeded():
    texts = [f"text {i}" for i in range(100)]
    strata = np.array([0] * 80 + [1] * 20)
    train, test = split_texts(texts, strata, test_size=0.2, seed=3)
    assert len(test) == 20 and set(train).isdisjoint(test) and len(train) + len(test) == 100
    assert (strata[test] == 1).sum() == 4  # the 80/20 class ratio holds in the test part
    again = split_texts(texts, strata, test_size=0.2, seed=3)
    assert np.array_equal(again[1], test)


def test_split_texts_refuses_duplicates_and_mismatched_lengths():
    with pytest.raises(ValueError, match="more than once"):
        split_texts(["a", "b", "a", "c"], [0, 1, 0, 1], test_size=0.5, seed=0)
    with pytest.raises(ValueError, match="one per text"):
        split_texts(["a", "b"], [0], test_size=0.5, seed=0)


def test_first_occurrences():
    assert first_occurrences(["a", "b", "a", "c", "b"]).tolist() == [0, 1, 3]

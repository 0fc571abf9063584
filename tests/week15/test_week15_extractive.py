"""Week 15: the extractive selectors and the ACLSum reader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from week15_transformers import extractive
from week15_transformers.projects.summarization import Paper, detokenize, load_aclsum, select


def unit(rows):
    rows = np.asarray(rows, dtype=float)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# three sentences on the main topic (x), one near-duplicate, one off-topic (y)
EMBEDDINGS = unit([[1, 0.1], [1, 0.12], [0.9, 0.3], [0.1, 1], [0.95, 0.2]])


def test_centroid_picks_the_sentences_nearest_the_mean_in_document_order():
    picked = extractive.centroid(EMBEDDINGS, 2)
    assert picked == sorted(picked) and 3 not in picked


def test_mmr_trades_relevance_for_novelty():
    # with relevance 1 it is the centroid; with novelty weighted it avoids the near-duplicate
    assert extractive.mmr(EMBEDDINGS, 2, relevance=1.0) == extractive.centroid(EMBEDDINGS, 2)
    diverse = extractive.mmr(EMBEDDINGS, 2, relevance=0.3)
    assert not {0, 1} <= set(diverse)


def test_pagerank_matches_the_stationary_distribution():
    weights = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=float)
    rank = extractive.pagerank(weights, damping=0.85)
    transition = weights / weights.sum(axis=1, keepdims=True)
    google = 0.15 / 3 + 0.85 * transition
    values, vectors = np.linalg.eig(google.T)
    stationary = np.real(vectors[:, np.argmax(np.real(values))])
    assert rank == pytest.approx(stationary / stationary.sum(), abs=1e-6)
    assert rank.sum() == pytest.approx(1.0)


def test_textrank_ranks_the_off_topic_sentence_last():
    assert 3 not in extractive.textrank(EMBEDDINGS, 4)


def test_query_picks_the_sentences_nearest_the_title_in_document_order():
    title = unit([[0, 1]])[0]
    assert extractive.query(EMBEDDINGS, title, 2) == [2, 3]


def test_abstract_methods_pick_only_abstract_sentences():
    paper = Paper("X", "T", list("abcdef"), ["abstract"] * 3 + ["introduction"] * 3, "ref")
    vectors = unit([[1, 0], [0.9, 0.1], [0.8, 0.2], [0, 1], [0.1, 1], [0.2, 1]])
    title = unit([[0, 1]])[0]
    rng = np.random.default_rng(0)
    assert select("title", paper, vectors, title, rng) == [3, 4, 5]
    assert select("abstract_title", paper, vectors, title, rng) == [0, 1, 2]


def test_baselines_and_bad_input():
    assert extractive.lead(10, 3) == [0, 1, 2] and extractive.lead(2, 3) == [0, 1]
    picked = extractive.random_pick(10, 3, np.random.default_rng(0))
    assert len(set(picked)) == 3 and picked == sorted(picked)
    with pytest.raises(ValueError, match="no sentences"):
        extractive.centroid(np.zeros((0, 4)), 3)
    with pytest.raises(ValueError, match="at least 1"):
        extractive.mmr(EMBEDDINGS, 0)


def test_load_aclsum_joins_sections_and_aspects(tmp_path):
    record = {
        "id": "X1",
        "title": "T",
        "summary": {"challenge": "C.", "approach": "A.", "outcome": "O."},
        "sentences": {"abstract": ["s1 ."], "introduction": ["s2 .", " "], "conclusion": ["s3 ."]},
    }
    (tmp_path / "val.jsonl").write_text(json.dumps(record) + "\n")
    (paper,) = load_aclsum(tmp_path, "val")
    assert paper.sentences == ["s1 .", "s2 .", "s3 ."]
    assert paper.sections == ["abstract", "introduction", "conclusion"]
    assert paper.scope("abstract_title").tolist() == [0, 1, 2]  # an abstract shorter than K
    assert paper.reference == "C. A. O."
    assert detokenize("a model ( BERT ) , trained .") == "a model (BERT), trained."

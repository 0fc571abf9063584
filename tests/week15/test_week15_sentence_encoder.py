"""The MiniLM sentence encoder: unit vectors, and a corpus embedded once then read from the cache."""

from __future__ import annotations

import numpy as np
import pytest

from shared.registry import fetch
from week15_transformers.sentence_encoder import SentenceEncoder

TEXTS = ["The API serves on port 8000.", "ARIMA models a differenced series.", "A third text."]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(fetch("all_minilm_l6_v2"))


def test_embeddings_are_unit_vectors_and_similar_texts_are_closer(encoder):
    vectors = encoder.encode([*TEXTS, "Which port does the API listen on?"])
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors[:3] @ vectors[3]
    assert similarity.argmax() == 0


def test_a_corpus_is_embedded_once_then_read_back(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(tmp_path))
    first = encoder.encode_corpus(TEXTS)
    np.testing.assert_allclose(first, encoder.encode(TEXTS), atol=1e-6)
    [saved] = (tmp_path / "derived").glob("minilm-corpus-*.npy")

    def no_model(texts):
        raise AssertionError("the cached corpus was embedded again")

    monkeypatch.setattr(encoder, "encode", no_model)
    np.testing.assert_array_equal(encoder.encode_corpus(TEXTS), first)
    with pytest.raises(AssertionError, match="embedded again"):
        encoder.encode_corpus([*TEXTS, "new text"])  # other texts: another key, embedded afresh

    monkeypatch.undo()
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(tmp_path))
    saved.write_bytes(b"not an array")
    np.testing.assert_array_equal(encoder.encode_corpus(TEXTS), first)
    assert np.load(saved).shape == (3, 384)

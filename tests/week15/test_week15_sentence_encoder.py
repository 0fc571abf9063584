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


def test_a_corpus_is_embedded_once_then_only_its_new_texts(encoder, tmp_path, monkeypatch):
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(tmp_path))
    first = encoder.encode_corpus(TEXTS)
    np.testing.assert_allclose(first, encoder.encode(TEXTS), atol=1e-6)
    [saved] = (tmp_path / "derived").glob("minilm-texts-*.npz")
    embedded: list[str] = []
    encode = encoder.encode

    def counted(texts):
        embedded.extend(texts)
        return encode(texts)

    monkeypatch.setattr(encoder, "encode", counted)
    np.testing.assert_array_equal(encoder.encode_corpus(TEXTS), first)
    assert embedded == []
    grown = encoder.encode_corpus(["new text", TEXTS[1], "new text"])
    assert embedded == ["new text"]  # once, and the cached text not again
    np.testing.assert_array_equal(grown[1], first[1])
    np.testing.assert_array_equal(grown[0], grown[2])
    assert encoder.encode_corpus([]).shape == (0, 384)

    saved.write_bytes(b"not an array")
    embedded.clear()
    np.testing.assert_allclose(encoder.encode_corpus(TEXTS), first, atol=1e-6)
    assert embedded == TEXTS
    with np.load(saved) as store:
        assert store["vectors"].shape == (3, 384)

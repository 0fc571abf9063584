"""Sentence embeddings from all-MiniLM-L6-v2: a BERT encoder, mean pooling, unit length.

This is what sentence-transformers does for this model (its 1_Pooling/config.json asks for
mean pooling, its modules.json for a final Normalize), written with transformers' own classes:
the token vectors of the last layer are averaged over the real tokens (padding masked out),
then scaled to length 1, so a dot product of two embeddings is their cosine similarity.
Texts longer than the model's 256 word pieces are truncated, as sentence-transformers does.

A corpus (the week READMEs' chunks, which the chatbot and week 23's chat service index at every
start) is embedded once: `encode_corpus` keeps the vectors in the registry cache, named by the
weights, the library versions and the texts, so any change to either embeds afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json)


class SentenceEncoder:
    """Encodes texts into unit-length 384-d vectors with a local MiniLM folder."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        from transformers import AutoModel, AutoTokenizer

        from shared.hub import load_pretrained

        self.tokenizer = load_pretrained(AutoTokenizer, folder)
        self.model = load_pretrained(AutoModel, folder).to(device).eval()
        self.device, self.folder = device, folder

    @torch.inference_mode()
    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return an (n, 384) float32 array of unit vectors, one per text, in order."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not one string")
        chunks = []
        for start in range(0, len(texts), batch_size):
            batch = self.tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            ).to(self.device)
            hidden = self.model(**batch).last_hidden_state  # (B, T, 384)
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)

    def encode_corpus(self, texts: Sequence[str]) -> np.ndarray:
        """Return `encode(texts)`, computed once per model, library versions and texts, then cached.

        Embedding the 700-odd README chunks takes about 40 s on two cores; reading them back, a
        few milliseconds. The file is written atomically and re-made if unreadable or misshapen.
        """
        from shared.atomic import atomic_path
        from shared.paths import cache_dir

        path = cache_dir() / "derived" / f"minilm-corpus-{self._corpus_key(texts)}.npy"
        try:
            vectors = np.load(path)
            if vectors.shape == (len(texts), self.model.config.hidden_size):
                return vectors
        except (OSError, ValueError):
            pass
        vectors = self.encode(texts)
        with atomic_path(path) as tmp, tmp.open("wb") as f:
            np.save(f, vectors)
        return vectors

    def _corpus_key(self, texts: Sequence[str]) -> str:
        """Name a corpus's vectors by the weights, torch and transformers versions and the texts."""
        import transformers

        from shared.registry import sha256_of

        digest = hashlib.sha256()
        for part in (
            sha256_of(self.folder / "model.safetensors"),
            torch.__version__,
            transformers.__version__,
            str(MAX_TOKENS),
            *texts,
        ):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()[:20]

"""Sentence embeddings from all-MiniLM-L6-v2: a BERT encoder, mean pooling, unit length.

This is what sentence-transformers does for this model (its 1_Pooling/config.json asks for
mean pooling, its modules.json for a final Normalize), written with transformers' own classes:
the token vectors of the last layer are averaged over the real tokens (padding masked out),
then scaled to length 1, so a dot product of two embeddings is their cosine similarity.
Texts longer than the model's 256 word pieces are truncated, as sentence-transformers does.

A corpus (the week READMEs' chunks, which the chatbot and week 23's chat service index at every
start) is embedded once: `encode_corpus` keeps each text's vector in the registry cache, under
the text's sha256 and named by the weights and library versions, so an edit re-embeds only the
texts it changed.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json)
MAX_CACHED_TEXTS = 20_000  # about 30 MB of vectors


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
        """Return `encode(texts)`, embedding only the texts not already in the cache.

        Every text is embedded once per weights and library versions and kept in one file of the
        registry cache under its sha256, so an edited README re-embeds only its changed chunks:
        embedding all 2,000-odd README chunks takes about a minute on one core, reading them
        back milliseconds. The file is written atomically and re-made if unreadable; past
        MAX_CACHED_TEXTS it keeps only the texts of the latest corpus.
        """
        from shared.atomic import atomic_path
        from shared.paths import cache_dir

        path = cache_dir() / "derived" / f"minilm-texts-{self._model_key()}.npz"
        keys = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
        store = self._read_store(path)
        by_key = dict(zip(keys, texts, strict=True))
        missing = {key: text for key, text in by_key.items() if key not in store}
        if missing:
            store |= zip(missing, self.encode(list(missing.values())), strict=True)
            if len(store) > MAX_CACHED_TEXTS:
                store = {key: store[key] for key in keys}
            with atomic_path(path) as tmp, tmp.open("wb") as f:
                np.savez(f, keys=np.array(list(store)), vectors=np.stack(list(store.values())))
        if not keys:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        return np.stack([store[key] for key in keys])

    def _read_store(self, path: Path) -> dict[str, np.ndarray]:
        """Return the cached vectors by text sha256; empty if the file is missing or unreadable."""
        try:
            with np.load(path) as saved:
                keys, vectors = saved["keys"], saved["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return {}
        if vectors.shape != (len(keys), self.model.config.hidden_size):
            return {}
        return dict(zip(keys.tolist(), vectors, strict=True))

    def _model_key(self) -> str:
        """Name the cache by the weights, the torch and transformers versions and MAX_TOKENS."""
        import transformers

        from shared.derived import derived_key
        from shared.registry import sha256_of

        return derived_key(
            sha256_of(self.folder / "model.safetensors"),
            torch.__version__,
            transformers.__version__,
            str(MAX_TOKENS),
        )

"""A deterministic stand-in sentence encoder for retrieval tests: no model to load.

Weeks 15 and 23 test the course assistant's retrieval with it instead of MiniLM.
"""

from __future__ import annotations

import numpy as np


class LetterCounts:
    """Encode each text as the unit vector of its a-z letter counts."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector of a-z counts per text."""
        rows = np.zeros((len(texts), 26), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    rows[i, ord(ch) - 97] += 1
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)

    def encode_corpus(self, texts: list[str]) -> np.ndarray:
        """The same as `encode`: nothing to cache for a model this cheap."""
        return self.encode(texts)

"""Derived arrays cached once per input: `cache_dir()/derived/<name>-<key>.npz`.

Some work is deterministic and slow enough to pay once (decoding MNIST's pickle, grouping a
corpus's near-duplicates): the result is kept under a key hashed from everything it depends on,
so a change to any input makes a new file rather than reading a stale one. Files are written
atomically, and one that is unreadable or fails `valid` is computed again.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from shared.atomic import atomic_path
from shared.paths import cache_dir

Arrays = dict[str, np.ndarray]


def derived_key(*parts: str | bytes) -> str:
    """Return a 20-hex-digit key hashed from the parts, in order (each ends with a NUL)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        digest.update(data + b"\0")
    return digest.hexdigest()[:20]


def cached_arrays(
    name: str,
    key: str,
    compute: Callable[[], Arrays],
    valid: Callable[[Arrays], bool] = lambda arrays: True,
) -> Arrays:
    """Return the arrays saved under name and key, or compute, save and return them."""
    path = cache_dir() / "derived" / f"{name}-{key}.npz"
    try:
        with np.load(path) as saved:
            arrays = {field: saved[field] for field in saved.files}
        if valid(arrays):
            return arrays
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass
    arrays = compute()
    with atomic_path(Path(path)) as tmp, tmp.open("wb") as f:
        np.savez(f, allow_pickle=False, **arrays)
    return arrays

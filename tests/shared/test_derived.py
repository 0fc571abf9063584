"""Derived arrays: computed once per key, read back after, computed again when unreadable."""

from __future__ import annotations

import numpy as np

from shared.derived import cached_arrays, derived_key


def test_arrays_are_computed_once_per_key_and_remade_when_unreadable(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3)}

    key = derived_key("corpus", b"\xff", "seed 1")
    assert key != derived_key("corpus", b"\xff", "seed 2") and len(key) == 20
    first = cached_arrays("numbers", key, compute)
    np.testing.assert_array_equal(cached_arrays("numbers", key, compute)["x"], first["x"])
    assert len(calls) == 1
    (tmp_path / "derived" / f"numbers-{key}.npz").write_bytes(b"not an npz")
    np.testing.assert_array_equal(cached_arrays("numbers", key, compute)["x"], [0, 1, 2])
    assert len(calls) == 2
    cached_arrays("numbers", key, compute, valid=lambda arrays: len(arrays["x"]) == 4)
    assert len(calls) == 3

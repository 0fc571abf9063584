"""Fixtures the week 23 tests share: the tiny chat model (tests/tiny_llama.py), built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_llama import build_tiny_llama


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny chat model's folder."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny_llama"))

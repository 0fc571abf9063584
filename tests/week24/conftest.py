"""Fixtures the week 24 tests share: week 15's MiniLM from its fast run, made once per test run
(the sentiment image's transformer, exported to ONNX by the tests that mount it)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def fast_minilm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 15's MiniLM fine-tuned on tweets by its fast run, saved in a temporary folder."""
    from sentiment_models import fast_minilm_tweets

    return fast_minilm_tweets(tmp_path_factory.mktemp("week15"))

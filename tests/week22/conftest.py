"""Fixtures the week 22 tests share, each made once per test run: the loan model, and week
15's MiniLM from its fast run (the sentiment dashboard's transformer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from week22_capstone.loan.model import LoanModel, load_loan_model, train_and_save


@pytest.fixture(scope="session")
def loan_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 7's loan pipeline fitted with its cost-tuned policy, saved in a temporary folder."""
    path, _ = train_and_save(tmp_path_factory.mktemp("loan"))
    return path


@pytest.fixture(scope="session")
def loan_model(loan_model_path: Path) -> LoanModel:
    """The saved loan model and its ONNX graph, verified."""
    return load_loan_model(loan_model_path)


@pytest.fixture(scope="session")
def fast_minilm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 15's MiniLM fine-tuned on tweets by its fast run, saved in a temporary folder."""
    from sentiment_models import fast_minilm_tweets

    return fast_minilm_tweets(tmp_path_factory.mktemp("week15"))

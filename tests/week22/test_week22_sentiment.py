"""The sentiment dashboard: inputs, Streamlit's AppTest, and a real headless Chromium.

The transformer column is tested with a tiny randomly initialised BERT classifier saved in
week 15's `save_pretrained` format (built here, so the tests do not need week 15's run); its
labels are arbitrary, only their presence is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import open_page
from serving import serve_subprocess
from streamlit.testing.v1 import AppTest

from shared.paths import week_report_dir
from week14_nlp.tweets import LABELS
from week22_capstone import sentiment
from week22_capstone.sentiment.models import (
    MODELS_ENV,
    TFIDF_FILE,
    TFIDF_HINT,
    TRANSFORMER_ENV,
    MissingModelError,
    SentimentModels,
    check_texts,
    read_texts_csv,
    train_tfidf,
)

APP = sentiment.PAGE
WORDS = ["i", "love", "hate", "this", "phone", "day", "great", "bad", "it", "is", "what", "a"]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 14's TF-IDF model fitted on 600 tweets and saved."""
    folder = tmp_path_factory.mktemp("sentiment")
    train_tfidf(folder, limit=600)
    return folder


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer BERT classifier and its tokenizer, `save_pretrained`."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny_bert")
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(folder)
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


@pytest.fixture
def app_env(models_dir: Path, tiny_bert: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Point the app at the test's models."""
    env = {MODELS_ENV: str(models_dir), TRANSFORMER_ENV: str(tiny_bert)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_csv_upload_needs_a_text_column() -> None:
    assert read_texts_csv(b"text\nI love it\n\nso bad\n") == ["I love it", "so bad"]
    with pytest.raises(ValueError, match="`text` column"):
        read_texts_csv(b"body\nhello\n")
    with pytest.raises(ValueError, match="no text"):
        check_texts(["", "   "])


def test_the_saved_model_carries_each_models_domain_and_accuracy(models_dir) -> None:
    sidecar = json.loads((models_dir / f"{TFIDF_FILE}.json").read_text())
    domains = sidecar["domains"]
    assert domains["VADER"]["trained_on"] == "none (rules)"
    assert domains["TF-IDF"]["trained_on"] == "tweets"
    for info in domains.values():
        assert set(info["accuracy"]) == {"tweets", "film reviews"}
        assert all(0 <= v <= 1 for v in info["accuracy"].values())


def test_a_missing_or_old_model_names_the_command_and_trains_nothing(tmp_path, tiny_bert):
    with pytest.raises(MissingModelError, match=TFIDF_HINT):
        SentimentModels.load(tmp_path, tiny_bert)
    assert list(tmp_path.iterdir()) == []  # nothing was trained or written
    (tmp_path / TFIDF_FILE).write_bytes(b"not a model")
    with pytest.raises(MissingModelError, match=TFIDF_HINT):
        SentimentModels.load(tmp_path, tiny_bert)


def test_without_the_tfidf_model_the_page_says_which_command_makes_it(
    tmp_path, tiny_bert, monkeypatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path / "empty"))
    monkeypatch.setenv(TRANSFORMER_ENV, str(tiny_bert))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    assert TFIDF_HINT in app.error[0].value
    assert not app.button and not (tmp_path / "empty").exists()


def test_the_page_shows_each_models_training_domain_and_accuracy(app_env) -> None:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    table = app.dataframe[0].value.set_index("model")
    assert table.loc["TF-IDF", "trained on"] == "tweets"
    assert table.loc["VADER", "trained on"] == "none (rules)"
    assert (
        table.loc[["VADER", "TF-IDF"], ["accuracy on tweets", "accuracy on film reviews"]]
        .notna()
        .all(axis=None)
    )
    assert (
        table.loc["transformer", "trained on"] == "not recorded"
    )  # tiny BERT: no fine_tuning.json


def test_a_typed_text_gets_a_label_from_every_model(app_env) -> None:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    assert not app.info  # the transformer was found: no "make one with" hint
    app.text_area[0].input("I love this phone, what a great day!")
    app.button[0].click().run()
    assert not app.exception
    row = app.dataframe[-1].value.iloc[0]
    assert row["TF-IDF"] in LABELS and row["VADER"] == "positive"
    assert row["transformer"] in LABELS


def test_without_a_transformer_the_app_says_which_command_makes_one(
    models_dir, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(models_dir))
    monkeypatch.setenv(TRANSFORMER_ENV, str(tmp_path / "none"))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert "week15_transformers --project finetune" in app.info[0].value


@pytest.fixture
def served(app_env) -> Iterator[str]:
    """`python -m week22_capstone serve sentiment` on a free port, until its health answers."""
    with serve_subprocess("week22_capstone", "sentiment", env=app_env) as url:
        yield url


def test_dashboard_in_chromium(served: str) -> None:
    shot = week_report_dir(22) / "browser" / "sentiment_dashboard.png"
    with open_page(served, text="Sentiment dashboard", timeout_s=120) as visit:
        page = visit.page
        page.get_by_role("textbox").first.fill("I love this phone, what a great day!")
        page.get_by_role("button", name="Classify").click()
        answer = page.get_by_text("Labels: VADER").first
        answer.wait_for(state="visible")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert "VADER positive" in answer.inner_text()
        assert any(f"TF-IDF {name}" in answer.inner_text() for name in LABELS)
        assert not visit.failures
    assert shot.stat().st_size > 1000

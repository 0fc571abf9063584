"""Spam filter on the SpamAssassin corpus: naive Bayes vs logistic regression vs a linear SVM.

Every raw email is parsed with the standard `email` package (emails.py: Subject + body, HTML
turned into text). Copies are collapsed to their first occurrence before any split: exact
copies, copies equal once normalised (case, digits, whitespace, quoted lines and headers) and
near-duplicates found by MinHash (near_duplicates.py), so no campaign or resent list message is
on both sides. Each model reads the same TF-IDF (sublinear tf, words in at least 2 emails); in
every evaluation the one with the best 5-fold cross-validated spam F1 on that evaluation's
training emails is chosen, and all three are scored on its test emails. Three evaluations:
- random: 20% held out, stratified by corpus folder (easy ham 1 and 2, hard ham, spam 1 and 2);
- by release: trained on the corpus's first release (2002-10-10), tested on its second
  (2003-02-28): other senders, other lists, other months;
- the reverse release split, reported beside it without a bar (its training ham has no hard
  ham; see TRAIN_RELEASE).
Hard ham (legitimate mail that looks like spam: newsletters, promotions) is reported apart: its
false-positive rate is what a user of the filter would feel. The random split's chosen pipeline
(vectorizer + classifier) is saved with shared.artifacts for `python -m week14_nlp classify`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from shared.artifacts import save_artifact
from shared.bars import Bar
from shared.context import RunContext
from shared.evaluation import plot_confusion_matrix
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.schema import column_spec
from shared.text import split_texts
from week14_nlp.emails import RELEASES, Corpus, load_spam_assassin
from week14_nlp.near_duplicates import find_duplicates

BARS = [
    # Issue 11's bar. For scale: Géron's Hands-On ML (ch. 3, exercise 4) solution on this corpus
    # reaches about 0.96-0.98 precision and recall with counts + logistic regression.
    Bar("spam_f1", ">=", 0.95, "issue 11; Géron, Hands-On ML ch. 3 ex. 4: ~0.97 P/R"),
    # Issue 23's second evaluation. No published figure exists for this corpus across its
    # releases; the bar allows the shift 10 F1 points below the within-release bar.
    Bar(
        "release_spam_f1",
        ">=",
        0.85,
        "issue 23: trained on release 2002-10-10, tested on 2003-02-28; within-release bar "
        "(0.95, issue 11) less 10 points for the shift",
    ),
]
# The release trained on: the one with hard ham. SpamAssassin's masses/CORPUS_POLICY: training
# ham must include "commercial-sounding-but-not-spam messages ... a *very* important point".
TRAIN_RELEASE = "2002-10-10"
MODEL_FILE = "spam_classifier.joblib"
TEST_SIZE = 0.2
HAM_FOLDERS = {"easy_ham": ("easy-ham-1", "easy-ham-2"), "hard_ham": ("hard-ham-1",)}
CLASSES = ["ham", "spam"]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    per_folder: int | None = None  # emails read per corpus folder (None: all)
    folds: int = 5  # cross-validation folds that choose the model


FULL = Config()
FAST = Config(per_folder=60, folds=3)


@dataclass(frozen=True)
class SpamData:
    """The distinct emails (one per duplicate group) and how many copies each pass removed."""

    texts: list[str]
    labels: np.ndarray
    folders: np.ndarray
    sources: np.ndarray
    removed: dict[str, int]


def deduplicate(corpus: Corpus) -> SpamData:
    """Keep the first email of each group of exact, normalised or near duplicates."""
    duplicates = find_duplicates(corpus.texts)
    keep = duplicates.first
    exact = len(corpus.texts) - len(set(corpus.texts))
    removed = {
        "exact_duplicates": exact,
        "normalised_duplicates": duplicates.normalised - exact,
        "near_duplicates": duplicates.near,
    }
    return SpamData(
        [corpus.texts[i] for i in keep],
        np.array(corpus.labels)[keep],
        np.array(corpus.folders)[keep],
        np.array(corpus.sources)[keep],
        removed,
    )


def random_split(data: SpamData, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, test) indices: 20% held out at random, stratified by corpus folder."""
    return split_texts(data.texts, data.folders, test_size=TEST_SIZE, seed=seed)


def release_split(data: SpamData, train_release: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, test) indices: the emails of `train_release`, and those of the other."""
    in_train = np.isin(data.folders, RELEASES[train_release])
    return np.flatnonzero(in_train), np.flatnonzero(~in_train)


def candidates() -> dict[str, object]:
    """Return the three classifiers compared, with settings that suit TF-IDF features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    return {
        "naive_bayes": MultinomialNB(alpha=0.1),
        "logistic_regression": LogisticRegression(C=10.0, max_iter=2000),
        "linear_svm": LinearSVC(C=1.0),
    }


def build_pipeline(classifier: object):
    """Return TF-IDF (sublinear tf, min_df 2) followed by `classifier`, as one Pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [("tfidf", TfidfVectorizer(sublinear_tf=True, min_df=2)), ("classifier", classifier)]
    )


def term_weights(pipeline) -> tuple[np.ndarray, np.ndarray]:
    """Return (terms, weight towards spam) of a fitted pipeline, whatever its classifier."""
    terms = pipeline.named_steps["tfidf"].get_feature_names_out()
    classifier = pipeline.named_steps["classifier"]
    if hasattr(classifier, "coef_"):
        return terms, classifier.coef_[0]
    log_prob = classifier.feature_log_prob_  # naive Bayes: log P(term | class)
    return terms, log_prob[1] - log_prob[0]


def false_positive_rates(pred: np.ndarray, folders: np.ndarray) -> dict[str, float]:
    """Return the share of each kind of ham (easy, hard) in `folders` that is flagged as spam."""
    return {
        f"{kind}_false_positive_rate": float(pred[np.isin(folders, names)].mean())
        for kind, names in HAM_FOLDERS.items()
        if np.isin(folders, names).any()
    }


@dataclass
class Evaluation:
    """One split's outcome: the model chosen by cross-validation, its test predictions, scores."""

    chosen: str
    model: object
    pred: np.ndarray
    metrics: dict[str, float]
    rows: list[list]


def evaluate(
    ctx: RunContext,
    data: SpamData,
    train: np.ndarray,
    test: np.ndarray,
    name: str,
    folds: int,
) -> Evaluation:
    """Cross-validate the three models on `train`, keep the best, score all three on `test`."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    train_texts, test_texts = [data.texts[i] for i in train], [data.texts[i] for i in test]
    labels, folders = data.labels, data.folders
    splitter = StratifiedKFold(folds, shuffle=True, random_state=ctx.seed)
    cv_splits = list(splitter.split(train_texts, folders[train]))
    metrics: dict[str, float] = {}
    fitted, preds, rows = {}, {}, []
    for model_name, classifier in candidates().items():
        ctx.log(f"{name}: {model_name}: cross-validating, then fitting")
        pipeline = build_pipeline(clone(classifier))
        cv = cross_val_score(pipeline, train_texts, labels[train], cv=cv_splits, scoring="f1")
        fitted[model_name] = pipeline.fit(train_texts, labels[train])
        preds[model_name] = pipeline.predict(test_texts)
        rates = false_positive_rates(preds[model_name], folders[test])
        metrics[f"{model_name}_cv_f1"] = float(cv.mean())
        metrics[f"{model_name}_test_f1"] = f1_score(labels[test], preds[model_name])
        row = [name, model_name, cv.mean(), metrics[f"{model_name}_test_f1"]]
        rows.append(row + [rates.get(f"{kind}_false_positive_rate", "-") for kind in HAM_FOLDERS])
    best = max(candidates(), key=lambda model_name: metrics[f"{model_name}_cv_f1"])
    pred = preds[best]
    metrics.update(
        {
            "spam_f1": f1_score(labels[test], pred),
            "spam_precision": precision_score(labels[test], pred),
            "spam_recall": recall_score(labels[test], pred),
            **false_positive_rates(pred, folders[test]),
            "train_emails": float(len(train)),
            "test_emails": float(len(test)),
        }
    )
    return Evaluation(best, fitted[best], pred, metrics, rows)


def run(ctx: RunContext) -> dict[str, float]:
    """Compare the three classifiers on a random and a by-release split; save the random one's."""
    # Thousands of documents: BLAS threads cost more than they save, and thrash on busy CPUs.
    with threadpool_limits(1):
        return _run(ctx)


def _run(ctx: RunContext) -> dict[str, float]:
    config = FAST if ctx.fast else FULL
    corpus = load_spam_assassin(ctx.dataset("spam_assassin"), limit_per_folder=config.per_folder)
    data = deduplicate(corpus)
    ctx.note(
        f"{len(corpus.texts):,} emails; copies removed before splitting: "
        f"{data.removed['exact_duplicates']} exact, {data.removed['normalised_duplicates']} "
        f"more equal once normalised, {data.removed['near_duplicates']} more near-duplicates "
        f"(MinHash, Jaccard >= 0.8); {len(data.texts):,} distinct emails left."
    )
    other = next(r for r in RELEASES if r != TRAIN_RELEASE)
    splits = {
        "random": random_split(data, ctx.seed),
        f"release {TRAIN_RELEASE} -> {other}": release_split(data, TRAIN_RELEASE),
        f"release {other} -> {TRAIN_RELEASE}": release_split(data, other),
    }
    prefixes = dict(zip(splits, ("", "release_", "reverse_release_"), strict=True))
    metrics: dict[str, float] = {k: float(v) for k, v in data.removed.items()}
    evaluations, rows = {}, []
    for name, (train, test) in splits.items():
        evaluations[name] = evaluation = evaluate(ctx, data, train, test, name, config.folds)
        metrics |= {prefixes[name] + k: v for k, v in evaluation.metrics.items()}
        ctx.info[f"chosen_model_{prefixes[name] or 'random_'}split"] = evaluation.chosen
        rows += evaluation.rows
    ctx.note(
        "Each evaluation chooses its model by cross-validated F1 on its own training emails: "
        + ", ".join(f"{name}: **{e.chosen}**" for name, e in evaluations.items())
        + ". The reverse release split has no bar: its training ham holds no hard ham.\n\n"
        + markdown_table(
            ["evaluation", "model", "CV spam F1", "test spam F1", "easy-ham FP", "hard-ham FP"],
            rows,
        )
    )
    train, test = splits["random"]
    chosen = evaluations["random"]
    metrics["hard_ham_test_emails"] = float(
        np.isin(data.folders[test], HAM_FOLDERS["hard_ham"]).sum()
    )
    _report_figures(ctx, chosen.model, data.labels[test], chosen.pred, chosen.chosen)
    _report_hard_ham(
        ctx, [data.texts[i] for i in test], data.folders[test], data.sources[test], chosen.pred
    )
    save_artifact(
        chosen.model,
        ctx.models_dir / MODEL_FILE,
        metrics={k: metrics[k] for k in ("spam_f1", "spam_precision", "spam_recall")},
        feature_schema={
            "text": column_spec(
                "str",
                description="Subject, a newline, then the body (week14_nlp.emails.email_text)",
            )
        },
        extra={"classes": CLASSES, "classifier": chosen.chosen},
    )
    return metrics


def _report_figures(ctx: RunContext, model, truth: np.ndarray, pred: np.ndarray, name: str) -> None:
    """Save the chosen model's confusion matrix and the terms that weigh most either way."""
    fig, ax = subplots(width=4.5, height=4)
    plot_confusion_matrix(ax, truth, pred, CLASSES)
    label(ax, f"{name} on the test emails")
    ctx.save_figure(fig, "confusion_matrix", "Row-normalized confusion matrix (test emails)")

    terms, weights = term_weights(model)
    order = np.argsort(weights)
    shown = np.concatenate([order[:12], order[-12:]])
    fig, ax = subplots(width=6, height=6)
    ax.barh(terms[shown], weights[shown], color=["C0"] * 12 + ["C3"] * 12)
    label(ax, "Terms pointing to ham (blue) and spam (red)", xlabel=f"{name} weight")
    ctx.save_figure(fig, "top_terms", "The 12 terms weighing most towards ham and towards spam")


def _report_hard_ham(
    ctx: RunContext, texts: list[str], folders: np.ndarray, sources: np.ndarray, pred: np.ndarray
) -> None:
    """List the hard-ham test emails flagged as spam, by subject: what the filter gets wrong."""
    flagged = np.flatnonzero(np.isin(folders, HAM_FOLDERS["hard_ham"]) & (pred == 1))
    if not len(flagged):
        ctx.note("No hard-ham test email was flagged as spam.")
        return
    rows = [[sources[i], texts[i].split("\n", 1)[0][:90] or "(no subject)"] for i in flagged]
    ctx.note(
        "### Hard ham flagged as spam\n\nLegitimate mail the chosen model calls spam; mostly "
        "commercial newsletters, whose words are the spammers' words.\n\n"
        + markdown_table(["email", "subject"], rows)
    )

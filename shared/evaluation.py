"""Evaluation plots and metrics shared by the supervised-learning weeks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix

from shared.forecast import rmse


def plot_confusion_matrix(
    ax: Axes, y_true: Sequence, y_pred: Sequence, labels: Sequence[str], normalize: bool = True
) -> Axes:
    """Draw a (row-normalized) confusion matrix heatmap with class names on both axes."""
    import seaborn as sns

    cm = confusion_matrix(
        y_true, y_pred, labels=range(len(labels)), normalize="true" if normalize else None
    )
    sns.heatmap(
        cm,
        ax=ax,
        annot=len(labels) <= 12,
        fmt=".2f" if normalize else "d",
        cmap="Blues",
        xticklabels=labels,
        yticklabels=labels,
        cbar=False,
        square=True,
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    """Return the fraction of exact matches."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def regression_scores(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """Return RMSE, RMSLE (errors of log1p, i.e. relative errors) and R² of price-like targets.

    The error metrics are shared.forecast's, their one home; negative predictions are clipped to 0.
    """
    from sklearn.metrics import r2_score

    y_true, y_pred = np.asarray(y_true, float), np.clip(np.asarray(y_pred, float), 0, None)
    return {
        "rmse": rmse(y_true, y_pred),
        "rmsle": rmse(np.log1p(y_true), np.log1p(y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
    }


def classification_scores(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Return accuracy, precision, recall and F1 of a binary classifier (positive class 1)."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    return {
        "accuracy": accuracy(y_true, y_pred),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
    }


def cv_summary(cv_results: dict) -> dict[str, tuple[float, float]]:
    """Return {metric: (mean, std)} of cross_validate's test scores, negated losses made positive."""
    summary = {}
    for key, values in cv_results.items():
        if not key.startswith("test_"):
            continue
        name, values = key.removeprefix("test_"), np.asarray(values, float)
        if name.startswith("neg_"):
            name, values = name.removeprefix("neg_"), -values
        summary[name] = (float(values.mean()), float(values.std()))
    return summary


def plot_predicted_vs_actual(
    ax: Axes, y_true: ArrayLike, y_pred: ArrayLike, log: bool = True
) -> Axes:
    """Scatter predictions against the truth with the y = x line; log axes suit prices."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    ax.scatter(y_true, y_pred, s=8, alpha=0.4)
    lo, hi = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="perfect")
    if log:
        _log_axis(ax.xaxis, ax.set_xscale)
        _log_axis(ax.yaxis, ax.set_yscale)
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.legend(loc="upper left")
    return ax


def plot_residuals(ax: Axes, y_true: ArrayLike, y_pred: ArrayLike, log: bool = True) -> Axes:
    """Plot residuals (log-ratio when `log`) against predictions, with a zero line."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    resid = np.log(y_true / y_pred) if log else y_true - y_pred
    ax.scatter(y_pred, resid, s=8, alpha=0.4)
    ax.axhline(0, color="black", lw=1, ls="--")
    if log:
        _log_axis(ax.xaxis, ax.set_xscale)
    ax.set_xlabel("predicted")
    ax.set_ylabel("log(actual / predicted)" if log else "actual - predicted")
    return ax


def plot_roc_curves(ax: Axes, curves: dict[str, tuple[Sequence[int], Sequence[float]]]) -> Axes:
    """Draw one ROC curve per model ({name: (y_true, score)}) with its AUC in the legend."""
    from sklearn.metrics import roc_auc_score, roc_curve

    for name, (y_true, score) in curves.items():
        fpr, tpr, _ = roc_curve(y_true, score)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y_true, score):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls=":", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_pr_curves(ax: Axes, curves: dict[str, tuple[Sequence[int], Sequence[float]]]) -> Axes:
    """Draw one precision-recall curve per model with its average precision in the legend."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    base = None
    for name, (y_true, score) in curves.items():
        precision, recall, _ = precision_recall_curve(y_true, score)
        ax.plot(
            recall, precision, label=f"{name} (AP {average_precision_score(y_true, score):.3f})"
        )
        base = float(np.mean(y_true))
    if base is not None:
        ax.axhline(base, color="grey", lw=1, ls=":", label=f"base rate {base:.2f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def _log_axis(axis, set_scale) -> None:
    """Log scale labelled 1, 2, 5 per decade in engineering units (50k, 100k, 200k)."""
    from matplotlib.ticker import EngFormatter, LogLocator, NullFormatter

    set_scale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(EngFormatter(sep=""))
    axis.set_minor_formatter(NullFormatter())


def most_confused(y_true: Sequence, y_pred: Sequence, labels: Sequence[str]) -> str:
    """Name the most frequent mistake as 'true → predicted (count)', for a figure's caption."""
    counts = confusion_matrix(y_true, y_pred, labels=range(len(labels)))
    np.fill_diagonal(counts, 0)
    t, p = np.unravel_index(counts.argmax(), counts.shape)
    return f"{labels[t]} → {labels[p]} ({counts[t, p]} images)"


def relative_error(ours: ArrayLike, reference: ArrayLike) -> float:
    """Return max|ours − reference| / max|reference|: normwise, so zero entries do no harm."""
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    if ours.shape != reference.shape:
        raise ValueError(f"shapes differ: {ours.shape} vs {reference.shape}")
    return float(np.abs(ours - reference).max() / np.abs(reference).max())

"""Evaluation plots and metrics shared by the supervised-learning weeks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from sklearn.metrics import confusion_matrix


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

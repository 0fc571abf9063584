"""Plot helpers: one house style, headless rendering, and figures sized for a report."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PALETTE = "colorblind"


def subplots(nrows: int = 1, ncols: int = 1, width: float = 6.0, height: float = 4.0, **kwargs):
    """Return (fig, axes) in the house style; width and height are per panel, in inches."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    size = (width * ncols, height * nrows)
    return plt.subplots(nrows, ncols, figsize=size, layout="constrained", **kwargs)


def label(ax: Axes, title: str, xlabel: str = "", ylabel: str = "") -> Axes:
    """Set a panel's title and axis labels in one call."""
    ax.set_title(title, fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def close(fig: Figure) -> None:
    """Release a figure's memory once it has been saved."""
    plt.close(fig)

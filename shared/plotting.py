"""Plot helpers: one house style, headless rendering, and figures sized for a report.

Runs render off-screen (Agg), so a week never opens a window or needs a display; inside a
Jupyter kernel the notebook's own backend is kept, so figures show inline.
"""

from __future__ import annotations

import sys

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PALETTE = "colorblind"


def subplots(nrows: int = 1, ncols: int = 1, width: float = 6.0, height: float = 4.0, **kwargs):
    """Return (fig, axes) in the house style; width and height are per panel, in inches."""
    import seaborn as sns  # imported here: it costs ~0.6 s, and `--help` needs no plots

    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    size = (width * ncols, height * nrows)
    return plt.subplots(nrows, ncols, figsize=size, layout="constrained", **kwargs)


def label(ax: Axes, title: str, xlabel: str | None = None, ylabel: str | None = None) -> Axes:
    """Set a panel's title, and its axis labels where given (None keeps what a plot set)."""
    ax.set_title(title, fontweight="bold")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def close(fig: Figure) -> None:
    """Release a figure's memory once it has been saved."""
    plt.close(fig)

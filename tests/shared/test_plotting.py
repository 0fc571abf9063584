"""Plot helpers: the house-style label call keeps axis labels a plotting function already set."""

from __future__ import annotations

from shared.plotting import close, label, subplots


def test_label_keeps_labels_it_is_not_given():
    fig, ax = subplots()
    ax.set_xlabel("recall")
    label(ax, "Precision-recall", ylabel="precision")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "Precision-recall",
        "recall",
        "precision",
    )
    label(ax, "Blank x", xlabel="")
    assert ax.get_xlabel() == ""
    close(fig)

"""Projections and eigenvectors of 2-D linear maps, drawn.

A matrix A maps the unit circle to an ellipse. For a symmetric A the ellipse's axes are A's
eigenvectors and their half-lengths are |λ|; its area is π·|det A|. For a non-symmetric A the
eigenvectors are still the directions A only stretches, but they are no longer the axes (the
singular vectors are). Every claim is measured on a densely sampled circle, using the
from-scratch routines of this week.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week02_linalg import eigen, matrix, vectors


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    circle_points: int = 200_000  # points sampled on the unit circle


FULL = Config()
FAST = Config(circle_points=20_000)

# Spectral theorem: a symmetric matrix maps the unit circle to an ellipse with semi-axes along
# its eigenvectors, of lengths |λᵢ| (Strang, Introduction to Linear Algebra, 5th ed., §6.4/§7.2);
# a linear map scales areas by |det A| (ibid. §5.3).
_REF = "Strang, Introduction to Linear Algebra (5th ed.) §5.3, §6.4, §7.2"
BARS = [
    Bar("semi_axes_rel_err", "<=", 1e-6, _REF),
    Bar("area_ratio_rel_err", "<=", 1e-6, _REF),
    Bar("projection_residual_dot", "<=", 1e-12, "Strang §4.2: the residual is orthogonal to b"),
    Bar("eigvec_direction_err", "<=", 1e-9, "Strang §6.1: Av = λv keeps v's direction"),
]

SYMMETRIC = [[2.0, 1.0], [1.0, 1.5]]
SHEAR = [[1.5, 1.0], [0.0, 0.75]]


def unit_circle(points: int) -> np.ndarray:
    """Return `points` points on the unit circle as a 2×points array."""
    theta = np.linspace(0.0, 2 * math.pi, points, endpoint=False)
    return np.vstack([np.cos(theta), np.sin(theta)])


def polygon_area(xy: np.ndarray) -> float:
    """Return the area enclosed by the closed polygon with vertices xy (2×n), by the shoelace."""
    x, y = xy
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def arrow(ax: Axes, tip: list[float], color: str, text: str, start: tuple = (0, 0)) -> None:
    """Draw an arrow from `start` to `tip` with a label near its tip."""
    ax.add_patch(
        FancyArrowPatch(start, tuple(tip), arrowstyle="-|>", mutation_scale=14, color=color, lw=2)
    )
    ax.annotate(
        text, tip, textcoords="offset points", xytext=(6, 4), color=color, fontweight="bold"
    )


def draw_projection(ctx: RunContext) -> float:
    """Figure: a projected onto b, with the residual at a right angle; return |residual·b|."""
    a, b = [1.0, 2.0], [3.0, 1.0]
    p = vectors.project(a, b)
    residual = vectors.subtract(a, p)
    fig, ax = subplots(width=5.5, height=4.5)
    ax.plot(
        [0, 3.6 * b[0] / vectors.norm(b)], [0, 3.6 * b[1] / vectors.norm(b)], color="grey", lw=0.8
    )
    arrow(ax, b, "C0", "b")
    arrow(ax, a, "C1", "a")
    arrow(ax, p, "C2", "proj_b a")
    ax.plot([p[0], a[0]], [p[1], a[1]], "--", color="C3", label="a − proj_b a (residual)")
    ax.set_aspect("equal")
    ax.set_xlim(-0.3, 3.6)
    ax.set_ylim(-0.3, 2.5)
    ax.legend(loc="upper right")
    label(ax, "Projection of a onto b", "x", "y")
    ctx.save_figure(
        fig,
        "projection",
        "The projection is the closest point on b's line: the residual meets it at a right angle",
    )
    return abs(vectors.dot(residual, b))


def draw_ellipse(ax: Axes, a: list[list[float]], circle: np.ndarray, title: str) -> None:
    """Draw the unit circle, its image under A, and A's eigenvectors scaled by their eigenvalues."""
    image = np.array(a) @ circle
    ax.plot(*circle, color="grey", lw=1, label="unit circle")
    ax.fill(*image, alpha=0.15, color="C0")
    ax.plot(*image, color="C0", lw=2, label="A · circle")
    values, vecs = np.linalg.eig(np.array(a))
    for value, vec, color in zip(values.real, vecs.T.real, ("C1", "C2"), strict=True):
        arrow(ax, (value * vec).tolist(), color, f"λ={value:.2f}")
        ax.plot(*np.outer(vec, [-3, 3]), color=color, lw=0.6, ls=":")
    u, s, _ = np.linalg.svd(np.array(a))
    for sigma, axis in zip(s, u.T, strict=True):
        ax.plot(*np.outer(axis, [-sigma, sigma]), color="C3", lw=1, ls="--")
    ax.plot([], [], color="C3", ls="--", label="ellipse axes (SVD)")
    ax.set_aspect("equal")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-2.4, 2.4)
    ax.legend(loc="lower right", fontsize=8)
    label(ax, title, "x", "y")


def run(ctx: RunContext) -> dict[str, float]:
    """Measure the ellipse claims on a sampled circle and draw the two figures."""
    config = FAST if ctx.fast else FULL
    circle = unit_circle(config.circle_points)
    image = np.array(SYMMETRIC) @ circle
    radii = np.linalg.norm(image, axis=0)
    values, _ = eigen.symmetric_eigen(SYMMETRIC)
    semi_axes_err = max(
        abs(radii.max() - max(map(abs, values))) / max(map(abs, values)),
        abs(radii.min() - min(map(abs, values))) / min(map(abs, values)),
    )
    area_errors = []
    for a in (SYMMETRIC, SHEAR):
        det = abs(matrix.determinant(a))
        area_errors.append(abs(polygon_area(np.array(a) @ circle) / math.pi - det) / det)
    dominant, v = eigen.power_iteration(SHEAR)
    av = matrix.matvec(SHEAR, v)
    direction_err = abs(av[0] * v[1] - av[1] * v[0]) / vectors.norm(av)

    residual_dot = draw_projection(ctx)
    fig, axes = subplots(1, 2, width=5.2, height=4.4)
    draw_ellipse(
        axes[0],
        SYMMETRIC,
        circle[:, :: max(1, circle.shape[1] // 400)],
        "Symmetric A: eigenvectors are the axes",
    )
    draw_ellipse(
        axes[1],
        SHEAR,
        circle[:, :: max(1, circle.shape[1] // 400)],
        "Non-symmetric A: they are not",
    )
    ctx.save_figure(
        fig,
        "ellipse",
        "A maps the unit circle to an ellipse; only for symmetric A do its eigenvectors "
        "point along the axes",
    )
    ctx.note(
        f"Symmetric A = {SYMMETRIC}: eigenvalues (QR algorithm) {values[0]:.6f} and "
        f"{values[1]:.6f}; sampled semi-axes {radii.min():.6f} and {radii.max():.6f}. "
        f"Non-symmetric A = {SHEAR}: power iteration finds λ = {dominant:.6f}; "
        f"the ellipse areas divided by π equal |det A| to {max(area_errors):.1e}."
    )
    return {
        "semi_axes_rel_err": semi_axes_err,
        "area_ratio_rel_err": max(area_errors),
        "projection_residual_dot": residual_dot,
        "eigvec_direction_err": direction_err,
        "dominant_eigenvalue_shear": dominant,
    }

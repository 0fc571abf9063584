"""Gradient descent for linear regression on Ames house prices, against the closed form.

Predict log sale price from eleven standardized features of 1,460 Ames houses. The normal
equations give the exact least-squares fit; batch gradient descent, minibatch SGD, momentum and
Adam (optimizers.py, written in NumPy) must approach its training MSE. A two-parameter version
(price from living area alone, feature left uncentred) shows each optimizer's path across the
loss surface, and why centring and scaling features matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_ames
from shared.plotting import label, subplots
from week04_calculus.optimizers import Adam, GradientDescent, History, Momentum, Optimizer, train


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    houses: int | None = None  # a random sample of this many houses; None: all 1,460
    epochs: int = 400  # full-batch epochs; SGD gets a tenth (at least 4)


FULL = Config()
FAST = Config(houses=400, epochs=150)

FEATURES = [
    "OverallQual",
    "GrLivArea",
    "GarageCars",
    "TotalBsmtSF",
    "1stFlrSF",
    "FullBath",
    "YearBuilt",
    "YearRemodAdd",
    "TotRmsAbvGrd",
    "Fireplaces",
    "LotArea",
]

# Least squares is convex, so a well-tuned first-order method converges to the closed-form
# optimum (Goodfellow, Bengio & Courville 2016, Deep Learning §4.3 and §5.1.4; Adam: Kingma &
# Ba 2015, ICLR). Bar: the best optimizer's training MSE within 1% of the normal equations'.
BARS = [
    Bar(
        "best_mse_ratio_to_closed_form",
        "<=",
        1.01,
        "Goodfellow et al. (2016) §4.3/§5.1.4; Kingma & Ba (2015)",
    ),
]


def design_matrix(frame: pd.DataFrame, mean: pd.Series, std: pd.Series) -> np.ndarray:
    """Return [1, standardized features]: an intercept column then z-scores."""
    z = ((frame[FEATURES] - mean) / std).to_numpy(float)
    return np.column_stack([np.ones(len(z)), z])


def closed_form(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the least-squares weights from the normal equations XᵀX w = Xᵀy."""
    return np.linalg.solve(x.T @ x, x.T @ y)


def optimizers(epochs: int) -> dict[str, tuple[Optimizer, int | None, int]]:
    """Return {name: (optimizer, batch size or None for full batch, epochs)}."""
    return {
        "batch GD": (GradientDescent(lr=0.05), None, epochs),
        "SGD (batch 32)": (GradientDescent(lr=0.005), 32, max(4, epochs // 10)),
        "momentum": (Momentum(lr=0.02, beta=0.9), None, epochs),
        "Adam": (Adam(lr=0.2), None, epochs),
    }


def loss_curves(ctx: RunContext, histories: dict[str, History], optimum: float) -> None:
    """Figure: excess training MSE over the closed form, per epoch, on a log scale."""
    fig, ax = subplots(width=6.8, height=4.3)
    for name, history in histories.items():
        excess = np.maximum(np.array(history.losses) / optimum - 1, 1e-8)
        ax.semilogy(np.arange(len(excess)), excess, label=name)
    ax.axhline(0.01, color="C3", ls="--", lw=1, label="bar: within 1%")
    ax.legend()
    label(ax, "Training loss above the closed-form optimum", "epoch", "MSE / MSE* − 1")
    ctx.save_figure(
        fig,
        "loss_curves",
        "Per epoch SGD gets within 1% first but stalls at a noise floor set by its step; "
        "momentum and Adam reach the exact optimum while batch GD crawls",
    )


def two_parameter_paths(
    ctx: RunContext, area: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> dict:
    """Figure: paths of each optimizer on the (slope, intercept) loss surface; return end losses."""
    x = np.column_stack([area / 1000, np.ones(len(area))])
    start = np.array([-1.5, 2.5])
    steps = 60
    setups = {
        "batch GD": (GradientDescent(lr=0.12), None, steps),
        "SGD (batch 16)": (GradientDescent(lr=0.05), 16, 1),
        "momentum": (Momentum(lr=0.05, beta=0.8), None, steps),
        "Adam": (Adam(lr=0.15), None, steps),
    }
    paths = {
        name: train(x, y, opt, epochs, batch, rng, start)
        for name, (opt, batch, epochs) in setups.items()
    }
    best = closed_form(x, y)
    slopes, intercepts = np.meshgrid(np.linspace(-2.0, 2.5, 160), np.linspace(-3.5, 3.0, 160))
    grid = np.stack([slopes.ravel(), intercepts.ravel()], axis=1)
    loss = np.mean((x @ grid.T - y[:, None]) ** 2, axis=0).reshape(slopes.shape)
    fig, ax = subplots(width=7, height=5.2)
    levels = loss.min() + np.geomspace(1e-3, loss.max() - loss.min(), 20)
    ax.contour(slopes, intercepts, loss, levels=levels, cmap="viridis", linewidths=0.8)
    for name, history in paths.items():
        path = np.array(history.path[: steps + 1])
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1.2, label=name)
    ax.plot(*best, "*", color="black", ms=16, label="closed form")
    ax.plot(*start, "ko", ms=6)
    ax.legend(loc="lower left")
    label(
        ax,
        "Paths on the loss surface: log price ~ living area (uncentred)",
        "slope (per 1000 sq ft)",
        "intercept",
    )
    ctx.save_figure(
        fig,
        "optimizer_paths",
        "An uncentred feature makes a long, narrow valley: every optimizer drops into it at "
        "once, then crawls along it; minibatch noise shakes SGD's path",
    )
    return {name: history.losses[-1] for name, history in paths.items()}


def run(ctx: RunContext) -> dict[str, float]:
    """Fit the regression four ways and compare each with the closed form."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    houses = read_ames(ctx.dataset("ames_house_prices"))
    if config.houses is not None:
        houses = houses.sample(config.houses, random_state=ctx.seed)
    test_mask = rng.random(len(houses)) < 0.2
    train_df, test_df = houses[~test_mask], houses[test_mask]
    mean, std = train_df[FEATURES].mean(), train_df[FEATURES].std()
    x_train, x_test = design_matrix(train_df, mean, std), design_matrix(test_df, mean, std)
    y_train, y_test = (
        np.log(train_df["SalePrice"].to_numpy(float)),
        np.log(test_df["SalePrice"].to_numpy(float)),
    )

    w_star = closed_form(x_train, y_train)
    lstsq = np.linalg.lstsq(x_train, y_train, rcond=None)[0]
    optimum = float(np.mean((x_train @ w_star - y_train) ** 2))
    metrics: dict[str, float] = {
        "closed_form_train_mse": optimum,
        "closed_form_test_mse": float(np.mean((x_test @ w_star - y_test) ** 2)),
        "normal_equations_vs_lstsq_rel_err": float(
            np.abs(w_star - lstsq).max() / np.abs(lstsq).max()
        ),
    }
    histories = {}
    for name, (optimizer, batch, epochs) in tqdm(
        optimizers(config.epochs).items(), desc="optimizers", leave=False
    ):
        history = train(x_train, y_train, optimizer, epochs, batch, rng)
        histories[name] = history
        key = name.split(" (")[0].replace(" ", "_").lower()
        metrics[f"{key}_mse_ratio"] = history.losses[-1] / optimum
        metrics[f"{key}_test_mse"] = float(np.mean((x_test @ history.path[-1] - y_test) ** 2))
    metrics["best_mse_ratio_to_closed_form"] = min(
        metrics[k] for k in metrics if k.endswith("_mse_ratio")
    )

    centred_y = y_train - y_train.mean()
    path_losses = two_parameter_paths(
        ctx, train_df["GrLivArea"].to_numpy(float), centred_y / centred_y.std(), rng
    )
    loss_curves(ctx, histories, optimum)
    ctx.note(
        f"Target: log(SalePrice); {len(FEATURES)} features standardized with the training split's "
        f"mean and std ({len(train_df)} train / {len(test_df)} test houses). The closed form "
        f"explains R² = {1 - optimum / y_train.var():.3f} of the training variance; its test MSE "
        f"is {metrics['closed_form_test_mse']:.4f} "
        f"(RMSE ≈ {np.sqrt(metrics['closed_form_test_mse']):.1%} "
        "in price). Step sizes: GD 0.05, SGD 0.005, momentum 0.02 (β = 0.9), Adam 0.2 (β₁ = 0.9, "
        "β₂ = 0.999). Two-parameter problem, loss after 60 steps: "
        + ", ".join(f"{k} {v:.3f}" for k, v in path_losses.items())
        + "."
    )
    return metrics

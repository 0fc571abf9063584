"""House price prediction on the Ames housing data.

Five regressors on Kaggle's Ames training set (1460 houses, 79 features): plain linear
regression, ridge and lasso, k-nearest neighbours and a decision tree. Every model sits in one
Pipeline (median imputation, log of skewed areas, scaling, one-hot and ordinal encoding from
shared.tabular) and learns log(price), so its errors are relative; 5-fold CV reports RMSE,
RMSLE and R². Residual and predicted-vs-actual plots show where the best model still misses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.model_selection import KFold, cross_val_predict, cross_validate
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeRegressor

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_ames
from shared.evaluation import cv_summary, plot_predicted_vs_actual, plot_residuals
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.tabular import tabular_preprocessor


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    houses: int | None = None  # a random sample of this many houses; None: all 1,460
    folds: int = 5


FULL = Config()
FAST = Config(houses=400, folds=2)

# Kaggle "House Prices: Advanced Regression Techniques" scores RMSLE; regularized linear models on
# log(price) reach about 0.12-0.13 in CV (e.g. Serigne's "Stacked Regressions" kernel, 2017).
BARS = [
    Bar(
        "cv_rmsle",
        "<=",
        0.14,
        "Kaggle House Prices: ridge/lasso on log price reach ~0.12-0.13 CV RMSLE",
    )
]

TARGET = "SalePrice"
QUALITY = ["Po", "Fa", "TA", "Gd", "Ex"]
BASEMENT_FINISH = ["Unf", "LwQ", "Rec", "BLQ", "ALQ", "GLQ"]
# Ordered categories (worst to best), from De Cock's data documentation; missing = "none" = -1.
ORDINAL = {
    **{
        c: QUALITY
        for c in (
            "ExterQual",
            "ExterCond",
            "BsmtQual",
            "BsmtCond",
            "HeatingQC",
            "KitchenQual",
            "FireplaceQu",
            "GarageQual",
            "GarageCond",
            "PoolQC",
        )
    },
    "BsmtExposure": ["No", "Mn", "Av", "Gd"],
    "BsmtFinType1": BASEMENT_FINISH,
    "BsmtFinType2": BASEMENT_FINISH,
    "GarageFinish": ["Unf", "RFn", "Fin"],
    "Functional": ["Sal", "Sev", "Maj2", "Maj1", "Mod", "Min2", "Min1", "Typ"],
}
# MSSubClass is a dwelling-type code, not a quantity.
CODED_AS_NUMBERS = ["MSSubClass"]


def load_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Split the Ames frame into features (codes as strings) and the sale price."""
    X = df.drop(columns=TARGET).astype({c: "str" for c in CODED_AS_NUMBERS})
    return X, df[TARGET]


def skewed_amounts(X: pd.DataFrame) -> list[str]:
    """Return the area and amount columns (by name) whose long right tail a log evens out."""
    keys = ("Area", "SF", "Porch", "LotFrontage", "MiscVal")
    return [c for c in X.select_dtypes("number") if any(k in c for k in keys)]


def preprocessor(X: pd.DataFrame):
    """Return the ColumnTransformer: numeric, log-amount, one-hot and ordinal columns of Ames."""
    logged = skewed_amounts(X)
    numeric = [c for c in X.select_dtypes("number") if c not in logged]
    onehot = [c for c in X.columns if c not in numeric and c not in logged and c not in ORDINAL]
    return tabular_preprocessor(numeric, onehot, ORDINAL, logged, min_frequency=10)


def models(seed: int) -> dict[str, RegressorMixin]:
    """Return the regressors to compare, by display name."""
    return {
        "linear": LinearRegression(),
        "ridge": Ridge(alpha=15.0),
        "lasso": Lasso(alpha=5e-4, max_iter=20_000),
        "knn": KNeighborsRegressor(n_neighbors=8, weights="distance"),
        "tree": DecisionTreeRegressor(max_depth=8, min_samples_leaf=5, random_state=seed),
    }


def log_price_model(X: pd.DataFrame, regressor: RegressorMixin) -> TransformedTargetRegressor:
    """Wrap preprocessing + regressor so it learns log1p(price) and predicts in dollars."""
    pipeline = Pipeline([("prep", preprocessor(X)), ("model", regressor)])
    return TransformedTargetRegressor(pipeline, func=np.log1p, inverse_func=np.expm1)


def run(ctx: RunContext) -> dict[str, float]:
    """Cross-validate every model, then plot the best one's out-of-fold predictions."""
    config = FAST if ctx.fast else FULL
    df = read_ames(ctx.dataset("ames_house_prices"))
    if config.houses is not None:
        df = df.sample(config.houses, random_state=ctx.seed)
    X, y = load_xy(df)
    cv = KFold(config.folds, shuffle=True, random_state=ctx.seed)
    scoring = ["neg_root_mean_squared_error", "neg_root_mean_squared_log_error", "r2"]
    candidates = {"median (baseline)": DummyRegressor(strategy="median")}
    candidates |= {name: log_price_model(X, reg) for name, reg in models(ctx.seed).items()}
    scores = {}
    for name, model in candidates.items():
        ctx.log(f"5-fold CV: {name}")
        scores[name] = cv_summary(cross_validate(model, X, y, cv=cv, scoring=scoring))
    table = pd.DataFrame({n: {m: v[0] for m, v in s.items()} for n, s in scores.items()}).T
    best = table.drop(index="median (baseline)")["root_mean_squared_log_error"].idxmin()
    ctx.note(_score_table(scores, best))
    _plot_scores(ctx, table, best)
    predicted = cross_val_predict(candidates[best], X, y, cv=cv)
    _plot_best(ctx, X, y, predicted, best)
    _plot_coefficients(ctx, candidates["lasso"].fit(X, y))
    metrics = {
        "cv_rmsle": table.loc[best, "root_mean_squared_log_error"],
        "cv_rmse": table.loc[best, "root_mean_squared_error"],
        "cv_r2": table.loc[best, "r2"],
        "baseline_cv_rmsle": table.loc["median (baseline)", "root_mean_squared_log_error"],
    }
    metrics |= {f"{n}_cv_rmsle": table.loc[n, "root_mean_squared_log_error"] for n in models(0)}
    return metrics


def _score_table(scores: dict, best: str) -> str:
    """Markdown table of mean ± std CV scores per model."""
    rows = [
        (
            name + (" **(best)**" if name == best else ""),
            *(
                f"{s[m][0]:,.4g} ± {s[m][1]:.2g}"
                for m in ("root_mean_squared_log_error", "root_mean_squared_error", "r2")
            ),
        )
        for name, s in scores.items()
    ]
    return (
        "**Cross-validated scores** (mean ± std over folds; RMSE in dollars)\n\n"
        + markdown_table(["model", "RMSLE", "RMSE", "R²"], rows)
    )


def _plot_scores(ctx: RunContext, table: pd.DataFrame, best: str) -> None:
    fig, ax = subplots(width=7, height=3.5)
    order = table["root_mean_squared_log_error"].sort_values()
    colors = [
        "tab:green" if n == best else "tab:grey" if "baseline" in n else "tab:blue"
        for n in order.index
    ]
    ax.barh(order.index, order.values, color=colors)
    ax.axvline(0.14, color="black", ls="--", lw=1, label="quality bar 0.14")
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    label(ax, "Ames: cross-validated RMSLE (lower is better)", "RMSLE (≈ typical relative error)")
    ctx.save_figure(
        fig,
        "model_comparison",
        f"{best} has the lowest CV RMSLE ({order[best]:.3f}); "
        f"predicting the median price scores {table.loc['median (baseline)', 'root_mean_squared_log_error']:.3f}.",
    )


def _plot_best(
    ctx: RunContext, X: pd.DataFrame, y: pd.Series, predicted: np.ndarray, best: str
) -> None:
    fig, (left, right) = subplots(1, 2, width=5.5, height=4.5)
    plot_predicted_vs_actual(left, y, predicted)
    label(left, f"{best}: out-of-fold predictions", "actual price ($)", "predicted price ($)")
    plot_residuals(right, y, predicted)
    label(right, "Residuals", "predicted price ($)", "log(actual / predicted)")
    ratio = np.log(y / predicted)
    within = float((ratio.abs() <= np.log(1.1)).mean())
    worst = X.loc[ratio.abs().nlargest(2).index]
    described = "; ".join(
        f"house {i}: {r.GrLivArea:,} sq ft, {r.SaleCondition} sale" for i, r in worst.iterrows()
    )
    ctx.save_figure(
        fig,
        "best_model_residuals",
        f"{within:.0%} of houses are predicted within 10%; the worst misses are {described}.",
    )


def _plot_coefficients(ctx: RunContext, model: TransformedTargetRegressor) -> None:
    pipeline = model.regressor_
    names = pipeline.named_steps["prep"].get_feature_names_out()
    coef = pd.Series(pipeline.named_steps["model"].coef_, index=names)
    top = coef[coef.abs().nlargest(16).index].sort_values()
    fig, ax = subplots(width=7, height=5)
    ax.barh(top.index, top.values, color=np.where(top.values > 0, "tab:green", "tab:red"))
    label(ax, "Lasso: largest effects on log(price)", "change in log(price) per standard deviation")
    kept = int((coef != 0).sum())
    up, down = coef.idxmax(), coef.idxmin()
    ctx.save_figure(
        fig,
        "lasso_coefficients",
        f"Lasso keeps {kept} of {len(coef)} features; {up} raises the "
        f"price most and {down} lowers it most.",
    )

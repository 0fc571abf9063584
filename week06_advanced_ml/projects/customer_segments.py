"""Customer segmentation of CDNOW's real purchase history.

23,570 customers bought 69,659 times from the online CD store between January 1997 and June
1998. Each customer becomes three RFM features (recency: days since the last purchase,
frequency: purchases, monetary: total dollars), log-scaled and standardized. K-Means is run for
k = 2..10: the elbow of the inertia curve and the silhouette score choose k; a Gaussian mixture
with the same k checks that the segments are not an artefact of K-Means' round clusters. The
segments are named from their RFM profiles and drawn on a 2-D PCA projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_cdnow
from shared.plotting import label, subplots
from shared.report import markdown_table


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    customers: int | None = None  # a random sample of this many customers; None: all
    silhouette_sample: int = 6000  # customers each k's silhouette is scored on


FULL = Config()
FAST = Config(customers=2000, silhouette_sample=1000)

# Rousseeuw (1987) / Kaufman & Rousseeuw (1990): an average silhouette above 0.25 indicates
# (weak or better) real structure; below it, the clusters are likely artefacts.
BARS = [
    Bar(
        "silhouette",
        ">=",
        0.25,
        "Kaufman & Rousseeuw (1990): mean silhouette > 0.25 = real (if weak) structure",
    ),
    Bar("customers", ">=", 23_570, "Fader & Hardie's CDNOW sample: 23,570 customers"),
]

RFM = ["recency_days", "frequency", "monetary"]
K_RANGE = range(2, 11)


def rfm_table(purchases: pd.DataFrame) -> pd.DataFrame:
    """Return one row per customer: days since last purchase (at the end of the data), purchases, dollars."""
    snapshot = purchases["date"].max() + pd.Timedelta(days=1)
    per_customer = purchases.groupby("customer_id").agg(
        last=("date", "max"), frequency=("date", "size"), monetary=("dollar_value", "sum")
    )
    per_customer["recency_days"] = (snapshot - per_customer.pop("last")).dt.days
    return per_customer[RFM]


def scaler() -> Pipeline:
    """log1p then standardize: RFM values are heavily right-skewed."""
    return Pipeline([("log", FunctionTransformer(np.log1p)), ("scale", StandardScaler())])


def choose_k(Z: np.ndarray, seed: int, sample: int) -> pd.DataFrame:
    """Return inertia and silhouette (on a fixed random sample of rows) of K-Means for each k."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(Z), size=min(sample, len(Z)), replace=False)
    records = []
    for k in tqdm(K_RANGE, desc="k-means k", leave=False):
        km = KMeans(k, n_init=4, random_state=seed).fit(Z)
        records.append(
            {
                "k": k,
                "inertia": km.inertia_,
                "silhouette": silhouette_score(Z[rows], km.labels_[rows]),
            }
        )
    return pd.DataFrame(records).set_index("k")


def pick_k(scores: pd.DataFrame, min_k: int = 3) -> int:
    """The k with the best silhouette among k >= min_k (k = 2 only splits buyers from one-timers)."""
    return int(scores.loc[min_k:, "silhouette"].idxmax())


def name_segments(profile: pd.DataFrame) -> dict[int, str]:
    """Name each cluster from its median RFM: how lately (active/lapsing/lost) and how often it buys."""
    names = {}
    for cluster, row in profile.iterrows():
        activity = (
            "active"
            if row["recency_days"] <= 90
            else "lapsing"
            if row["recency_days"] <= 365
            else "lost"
        )
        habit = (
            "frequent"
            if row["frequency"] >= 5
            else "repeat"
            if row["frequency"] >= 2
            else "one-time"
        )
        names[cluster] = f"{activity} {habit} buyers"
    return _unique(names, profile)


def elbow_k(inertia: pd.Series) -> int:
    """Return the k farthest below the straight line from the first to the last inertia (the knee)."""
    k, y = inertia.index.to_numpy(float), inertia.to_numpy(float)
    x_n, y_n = (k - k[0]) / (k[-1] - k[0]), (y - y[-1]) / (y[0] - y[-1])
    return int(k[np.argmax((1 - x_n) - y_n)])


def _unique(names: dict[int, str], profile: pd.DataFrame) -> dict[int, str]:
    """Disambiguate repeated names by spend rank, e.g. "lost one-timers (higher spend)"."""
    counts = pd.Series(names).value_counts()
    for name in counts[counts > 1].index:
        clusters = [c for c, n in names.items() if n == name]
        ranked = profile.loc[clusters, "monetary"].sort_values().index
        for i, c in enumerate(ranked):
            names[c] = (
                f"{name} ({'lower' if i == 0 else 'higher' if i == len(ranked) - 1 else 'mid'} spend)"
            )
    return names


def run(ctx: RunContext) -> dict[str, float]:
    """Build RFM, choose k, cluster with K-Means and a Gaussian mixture, profile and plot the segments."""
    # Thousands of rows: OpenMP threads cost more than they save, and thrash on busy machines.
    with threadpool_limits(1):
        return _run(ctx)


def _run(ctx: RunContext) -> dict[str, float]:
    config = FAST if ctx.fast else FULL
    purchases = read_cdnow(ctx.dataset("cdnow"))
    rfm = rfm_table(purchases)
    customers = len(rfm)
    if config.customers is not None:
        rfm = rfm.sample(config.customers, random_state=ctx.seed)
    Z = scaler().fit_transform(rfm)
    scores = choose_k(Z, ctx.seed, sample=config.silhouette_sample)
    k = pick_k(scores)
    kmeans = KMeans(k, n_init=10, random_state=ctx.seed).fit(Z)
    gmm = GaussianMixture(k, covariance_type="full", n_init=2, random_state=ctx.seed).fit(Z)
    gmm_labels = gmm.predict(Z)
    profile = rfm.assign(cluster=kmeans.labels_).groupby("cluster")[RFM].median()
    names = name_segments(profile)
    segment = pd.Series(kmeans.labels_, index=rfm.index).map(names)
    ctx.note(_profile_table(rfm, segment))
    _plot_choice(ctx, scores, k)
    _plot_pca(ctx, Z, segment)
    _plot_segments(ctx, rfm, segment)
    revenue = rfm.groupby(segment)["monetary"].sum() / rfm["monetary"].sum()
    sample = np.random.default_rng(ctx.seed).choice(len(Z), size=min(6000, len(Z)), replace=False)
    return {
        "customers": customers,
        "chosen_k": k,
        "silhouette": float(scores.loc[k, "silhouette"]),
        "gmm_silhouette": float(silhouette_score(Z[sample], gmm_labels[sample])),
        "kmeans_gmm_ari": float(adjusted_rand_score(kmeans.labels_, gmm_labels)),
        "top_segment_revenue_share": float(revenue.max()),
    }


def _profile_table(rfm: pd.DataFrame, segment: pd.Series) -> str:
    groups = rfm.groupby(segment)
    table = (
        groups[RFM]
        .median()
        .assign(customers=groups.size(), revenue=groups["monetary"].sum() / rfm["monetary"].sum())
    )
    table = table.sort_values("revenue", ascending=False)
    rows = [
        (
            n,
            f"{int(r.customers):,}",
            f"{r.recency_days:.0f}",
            f"{r.frequency:.0f}",
            f"${r.monetary:,.0f}",
            f"{r.revenue:.0%}",
        )
        for n, r in table.iterrows()
    ]
    head = "**Segment profiles** (medians per customer)\n\n"
    return head + markdown_table(
        ["segment", "customers", "recency (days)", "purchases", "spend", "revenue share"], rows
    )


def _plot_choice(ctx: RunContext, scores: pd.DataFrame, k: int) -> None:
    fig, (elbow, sil) = subplots(1, 2, width=4.8, height=3.8)
    elbow.plot(scores.index, scores["inertia"], marker="o")
    elbow.axvline(k, color="tab:green", ls="--")
    label(elbow, "Elbow: K-Means inertia", "k", "within-cluster sum of squares")
    sil.plot(scores.index, scores["silhouette"], marker="o", color="tab:orange")
    sil.axvline(k, color="tab:green", ls="--", label=f"chosen k = {k}")
    sil.legend()
    label(sil, "Silhouette (higher is better)", "k", "mean silhouette")
    ctx.save_figure(
        fig,
        "choose_k",
        f"The inertia curve's elbow is at k = {elbow_k(scores['inertia'])}; the "
        f"silhouette (k >= 3) peaks at k = {k} ({scores.loc[k, 'silhouette']:.2f}).",
    )


def _plot_pca(ctx: RunContext, Z: np.ndarray, segment: pd.Series) -> None:
    pca = PCA(2).fit(Z)
    xy = pca.transform(Z)
    fig, ax = subplots(width=7, height=5.5)
    for name in sorted(segment.unique()):
        mask = (segment == name).to_numpy()
        ax.scatter(xy[mask, 0], xy[mask, 1], s=4, alpha=0.3, label=name)
    ax.legend(markerscale=4, fontsize="small")
    label(ax, "Customer segments on the first two principal components", "PC 1", "PC 2")
    explained = pca.explained_variance_ratio_
    loadings = ", ".join(f"{w:+.2f} {c}" for w, c in zip(pca.components_[0], RFM, strict=True))
    ctx.save_figure(
        fig,
        "pca",
        f"PC 1 ({explained[0]:.0%} of the variance; {loadings}) orders customers from "
        f"lost one-timers to active regulars; PC 2 adds {explained[1]:.0%}.",
    )


def _plot_segments(ctx: RunContext, rfm: pd.DataFrame, segment: pd.Series) -> None:
    fig, axes = subplots(1, 4, width=3.6, height=4)
    order = rfm.groupby(segment)["monetary"].sum().sort_values(ascending=False).index
    share = rfm.groupby(segment)["monetary"].sum().reindex(order) / rfm["monetary"].sum()
    size = segment.value_counts(normalize=True).reindex(order)
    pos = np.arange(len(order))
    axes[0].barh(pos - 0.2, size, 0.4, label="customers")
    axes[0].barh(pos + 0.2, share, 0.4, label="revenue")
    axes[0].set_yticks(pos, order)
    axes[0].invert_yaxis()
    axes[0].legend(fontsize="small")
    label(axes[0], "Share of customers / revenue", "fraction")
    for ax, col, scale in zip(axes[1:], RFM, ("linear", "log", "log"), strict=True):
        data = [rfm.loc[segment == s, col] for s in order]
        ax.boxplot(data, orientation="horizontal", showfliers=False)
        ax.set_yticks(pos + 1, [""] * len(order))
        ax.invert_yaxis()
        ax.set_xscale(scale)
        label(ax, col.replace("_", " "), col)
    top = order[0]
    ctx.save_figure(
        fig,
        "profiles",
        f"'{top}' are {size[top]:.0%} of customers but bring {share[top]:.0%} of revenue.",
    )

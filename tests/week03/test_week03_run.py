"""Week 3 run layer: `python -m week03_probability --fast` end to end."""

from __future__ import annotations

from pathlib import Path

EXACT = {
    "distributions": [
        "binomial_rel_diff_scipy",
        "poisson_rel_diff_scipy",
        "normal_pdf_rel_diff_scipy",
    ],
    "correlation": ["cov_rel_diff_numpy", "corr_rel_diff_numpy", "pearson_p_rel_diff_scipy"],
    "hypothesis_tests": ["t_pvalue_rel_diff_scipy", "chi2_pvalue_rel_diff_scipy"],
}


def test_fast_run_agrees_with_scipy_and_writes_figures(fast_run, tmp_path: Path) -> None:
    doc = fast_run("week03_probability")
    projects = doc["projects"]
    assert set(projects) == {
        "lln_clt",
        "distributions",
        "bayes_diagnostic",
        "correlation",
        "hypothesis_tests",
    }
    for name, metric_names in EXACT.items():
        for metric in metric_names:
            assert projects[name]["metrics"][metric] <= 1e-6, (name, metric)
    lln = projects["lln_clt"]["metrics"]
    assert lln["ks_mean_of_30_dice"] < lln["ks_mean_of_1_dice"]
    assert 0.07 < projects["bayes_diagnostic"]["metrics"]["posterior"] < 0.085
    assert projects["hypothesis_tests"]["metrics"]["welch_pvalue"] < 0.05
    assert {d["name"] for d in projects["correlation"]["datasets"]} == {
        "titanic",
        "ames_house_prices",
    }
    assert len(list((tmp_path / "figures").glob("*.png"))) >= 6

"""Week 3 code layer: distributions, statistics and tests from the formulas, against SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from week03_probability import formulas
from week03_probability.projects.distributions import pooled_counts
from week03_probability.projects.lln_clt import ks_distance


@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (20, 0.3), (60, 0.01)])
def test_binomial_pmf_matches_scipy_and_sums_to_one(n: int, p: float) -> None:
    pmf = [formulas.binomial_pmf(k, n, p) for k in range(n + 1)]
    np.testing.assert_allclose(pmf, stats.binom.pmf(range(n + 1), n, p), rtol=1e-10)
    assert sum(pmf) == pytest.approx(1.0)
    assert formulas.binomial_pmf(n + 1, n, p) == 0.0


@pytest.mark.parametrize("lam", [0.1, 4.0, 250.0])
def test_poisson_pmf_matches_scipy(lam: float) -> None:
    k = np.arange(0, int(lam * 3) + 10)
    ours = [formulas.poisson_pmf(int(i), lam) for i in k]
    np.testing.assert_allclose(ours, stats.poisson.pmf(k, lam), rtol=1e-9)


def test_normal_pdf_and_cdf_match_scipy() -> None:
    x = np.linspace(-8, 8, 101)
    np.testing.assert_allclose(
        [formulas.normal_pdf(v, 1.0, 2.0) for v in x], stats.norm.pdf(x, 1, 2)
    )
    np.testing.assert_allclose(
        [formulas.normal_cdf(v, 1.0, 2.0) for v in x], stats.norm.cdf(x, 1, 2)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: formulas.binomial_pmf(1, 5, 1.5),
        lambda: formulas.poisson_pmf(1, 0.0),
        lambda: formulas.normal_pdf(0.0, 0.0, -1.0),
        lambda: formulas.covariance([1.0, 2.0], [1.0]),
        lambda: formulas.correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]),
        lambda: formulas.chi_square_independence(np.array([[1, 2, 3]])),
        lambda: formulas.chi_square_independence(np.ones((2, 3)), yates=True),
        lambda: formulas.bayes_posterior(0.01, 1.2, 0.9),
    ],
)
def test_bad_input_raises_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_covariance_and_correlation_match_numpy() -> None:
    data = np.random.default_rng(0).standard_normal((50, 4)) * [1, 10, 100, 1000]
    np.testing.assert_allclose(formulas.covariance_matrix(data), np.cov(data, rowvar=False))
    np.testing.assert_allclose(formulas.correlation_matrix(data), np.corrcoef(data, rowvar=False))
    x, y = data[:, 0].tolist(), data[:, 1].tolist()
    assert formulas.correlation(x, y) == pytest.approx(stats.pearsonr(x, y).statistic)


def test_t_tests_match_scipy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 40), rng.normal(0.5, 3, 25)
    for ours, equal_var in (
        (formulas.welch_t_test(a, b), False),
        (formulas.student_t_test(a, b), True),
    ):
        ref = stats.ttest_ind(a, b, equal_var=equal_var)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
        assert ours.df == pytest.approx(ref.df, rel=1e-10)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8)


@pytest.mark.parametrize("yates", [False, True])
def test_chi_square_matches_scipy(yates: bool) -> None:
    table = np.array([[81, 233], [468, 109]])
    ours = formulas.chi_square_independence(table, yates=yates)
    ref = stats.chi2_contingency(table, correction=yates)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.df == ref.dof
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8)


def test_goodness_of_fit_matches_scipy_chisquare() -> None:
    observed = np.array([18, 22, 16, 25, 19])
    ours = formulas.goodness_of_fit(observed, np.full(5, 0.2))
    ref = stats.chisquare(observed)
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.pvalue == pytest.approx(ref.pvalue)


def test_pooled_counts_keep_totals_and_reach_five_expected() -> None:
    probs = np.array([stats.poisson.pmf(k, 4.0) for k in range(40)])
    counts = np.random.default_rng(0).multinomial(1000, probs / probs.sum())
    merged_counts, merged_probs = pooled_counts(counts, probs, 5)
    assert merged_counts.sum() == counts.sum()
    assert merged_probs.sum() == pytest.approx(1.0)
    assert (merged_probs * 1000 >= 5 - 1e-9).all()


def test_ks_distance_matches_scipy_kstest() -> None:
    sample = np.random.default_rng(2).normal(size=500)
    assert ks_distance(sample, formulas.normal_cdf) == pytest.approx(
        stats.kstest(sample, "norm").statistic
    )


def test_bayes_posterior_is_gigerenzer_hoffrage() -> None:
    assert formulas.bayes_posterior(0.01, 0.8, 1 - 0.096) == pytest.approx(0.0776, abs=5e-4)
    assert formulas.bayes_posterior(0.5, 0.9, 0.9) == pytest.approx(0.9)

"""Run week 3: `python -m week03_probability [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 3
TITLE = "Probability & statistics"
PROJECTS = {
    "lln_clt": "week03_probability.lln_clt",
    "distributions": "week03_probability.distributions",
    "bayes_diagnostic": "week03_probability.bayes_diagnostic",
    "correlation": "week03_probability.correlation",
    "hypothesis_tests": "week03_probability.hypothesis_tests",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))

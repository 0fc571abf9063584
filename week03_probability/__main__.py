"""Run week 3: `python -m week03_probability [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 3
TITLE = "Probability & statistics"
PROJECTS = {
    "lln_clt": "week03_probability.projects.lln_clt",
    "distributions": "week03_probability.projects.distributions",
    "bayes_diagnostic": "week03_probability.projects.bayes_diagnostic",
    "correlation": "week03_probability.projects.correlation",
    "hypothesis_tests": "week03_probability.projects.hypothesis_tests",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))

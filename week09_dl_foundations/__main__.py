"""Run week 9: `python -m week09_dl_foundations [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 9
TITLE = "Deep learning foundations"
PROJECTS = {
    "perceptron_activations": "week09_dl_foundations.projects.perceptron_activations",
    "numpy_backprop": "week09_dl_foundations.projects.numpy_backprop",
    "mnist_mlp": "week09_dl_foundations.projects.mnist_mlp",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))

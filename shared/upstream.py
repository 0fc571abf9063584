"""The one table of cross-week artefacts: what a week reads from another week's report folder.

Each `Artefact` names a file or folder a week's run saves under reports/weekNN, the command that
makes it, and the weeks that read it. Code asks the table for the path (`path(key)`), or for the
path of one that must be there (`require(key)`, which raises `MissingArtefact` naming the
command that makes it), instead of spelling out another week's folder.

`needed_by` lists the weeks whose FULL run stops without the artefact: only those get a Makefile
rule (`python -m shared.upstream make-rules` writes make/upstream.mk, which the Makefile
includes), so `make week23` first runs week 20's text-to-image project when its model is
missing. `used_by` lists the weeks that use the artefact when it is there and say so, or fit a
stand-in, when it is not. A week reads only earlier weeks' artefacts, except where `ahead` says
why an earlier week shows a later week's results beside its own when they exist.

Not here: week 13's ONNX mask classifier, which `python -m week24_deploy export-mask` writes
into whatever folder it is given (week 13's by default) and week 22's onnx_runtime.py locates.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.paths import REPO_ROOT, REPORTS_DIR

MAKE_RULES = REPO_ROOT / "make" / "upstream.mk"
REPORTS_IN_REPO = REPORTS_DIR.relative_to(REPO_ROOT).as_posix()  # as the Makefile names it


@dataclass(frozen=True)
class Artefact:
    """A file or folder one week's run saves and later weeks read."""

    key: str
    producer: str  # the week package whose run saves it
    project: str | None  # the project that saves it; None: the whole week's run
    relpath: str  # under the producer's report folder, reports/weekNN
    what: str
    needed_by: tuple[int, ...] = ()  # weeks whose full run needs it: they get a Makefile rule
    used_by: tuple[int, ...] = ()  # weeks that use it when it is there
    marker: str = ""  # in a folder, the file whose presence says the folder is complete
    env: str = ""  # a variable that points the readers at another copy
    ahead: str = ""  # why an earlier week reads it, where one does

    @property
    def week(self) -> int:
        """The producing week's number, read from its package name (week20_... -> 20)."""
        return int(self.producer[4:6])

    @property
    def module_args(self) -> str:
        """What follows `python -m` in the command that makes the artefact."""
        return f"{self.producer} --project {self.project}" if self.project else self.producer

    @property
    def command(self) -> str:
        """The command that makes the artefact."""
        return f"python -m {self.module_args}"

    @property
    def repo_path(self) -> str:
        """The file that proves the artefact is there, relative to the repository root."""
        proof = f"{self.relpath}/{self.marker}" if self.marker else self.relpath
        return f"{REPORTS_IN_REPO}/week{self.week:02d}/{proof}"


class MissingArtefact(FileNotFoundError):
    """Another week's artefact is not on disk; the message names the command that makes it."""


ARTEFACTS = {
    a.key: a
    for a in (
        Artefact(
            "week07.titanic_pipeline",
            "week07_pipelines",
            "titanic_pipeline",
            "models/titanic_pipeline.joblib",
            "week 7's Titanic pipeline",
            used_by=(8,),  # the API serves it; week 8's run fits it there when it is missing
        ),
        Artefact(
            "week07.models",
            "week07_pipelines",
            None,
            "models",
            "week 7's saved Titanic and loan pipelines",
            used_by=(18,),  # served when both are there, else fitted with default settings
        ),
        Artefact(
            "week10.cnn",
            "week10_cnn",
            "image_classifier",
            "models/cnn_fashion_mnist.pt",
            "week 10's trained Fashion-MNIST CNN",
            used_by=(20,),  # the judge of generated images; else its recipe, retrained briefly
        ),
        Artefact(
            "week10.metrics",
            "week10_cnn",
            "image_classifier",
            "metrics.json",
            "week 10's metrics",
            used_by=(21,),  # the CNN's accuracy beside the ViT's; "not run" without it
        ),
        Artefact(
            "week13.models",
            "week13_cv_advanced",
            "face_mask",
            "models",
            "week 13's mask classifier folder",
            used_by=(22,),  # the fine-tuned classifier when saved, else the pretrained Keras one
        ),
        Artefact(
            "week15.models",
            "week15_transformers",
            "finetune",
            "models",
            "week 15's fine-tuned MiniLMs",
            used_by=(14,),
            ahead="week 14 scores them beside its own models across domains when a full "
            "week 15 run has saved them, and says it left them out otherwise",
        ),
        Artefact(
            "week15.minilm_tweets",
            "week15_transformers",
            "finetune",
            "models/minilm_tweets",
            "week 15's MiniLM fine-tuned on tweets",
            used_by=(22,),  # the sentiment dashboard's third model; it says how to make one
            marker="config.json",
            env="WEEK22_TRANSFORMER",
        ),
        Artefact(
            "week16.metrics",
            "week16_ts_classical",
            "stock_forecast",
            "metrics.json",
            "week 16's metrics (ARIMA's backtest)",
            used_by=(22,),  # the forecasting report quotes its backtest
        ),
        Artefact(
            "week17.metrics",
            "week17_ts_deep",
            "melbourne",
            "metrics.json",
            "week 17's metrics (the LSTM's backtest)",
            used_by=(22,),
        ),
        Artefact(
            "week20.text_to_image",
            "week20_genai_multimodal",
            "text_to_image",
            "models/text_to_image",
            "week 20's trained diffusion model",
            needed_by=(23,),  # the gallery and the storybook draw with it
            marker="pipeline.json",
            env="WEEK23_TEXT_TO_IMAGE",
        ),
        Artefact(
            "week22.tweet_tfidf",
            "week22_capstone",
            "sentiment",
            "models/tweet_tfidf.joblib",
            "week 22's TF-IDF sentiment model",
            used_by=(24,),  # the README's screenshot of the sentiment dashboard
        ),
        Artefact(
            "week22.forecasts",
            "week22_capstone",
            "forecasting",
            "forecasts.sqlite3",
            "week 22's forecasts database",
            used_by=(24,),  # the README's screenshot of the forecast dashboard
        ),
    )
}


def artefact(key: str) -> Artefact:
    """The table's entry for `key`; KeyError listing the known keys for a misspelt one."""
    try:
        return ARTEFACTS[key]
    except KeyError:
        raise KeyError(f"no cross-week artefact {key!r}; known: {sorted(ARTEFACTS)}") from None


def path(key: str) -> Path:
    """Where the artefact is: the folder its variable names if set, else under reports/weekNN."""
    entry = artefact(key)
    named = os.environ.get(entry.env, "").strip() if entry.env else ""
    if named:
        return Path(named)
    return REPORTS_DIR / f"week{entry.week:02d}" / entry.relpath


def exists(key: str) -> bool:
    """Whether the artefact is on disk (a folder counts once its marker file is there)."""
    return _proof(artefact(key), path(key)).exists()


def require(key: str, at: Path | None = None) -> Path:
    """The artefact's path (or `at`, a copy a caller was handed); MissingArtefact if not there."""
    entry = artefact(key)
    where = Path(at) if at is not None else path(key)
    if not _proof(entry, where).exists():
        raise MissingArtefact(_missing_message(entry, where))
    return where


def _missing_message(entry: Artefact, where: Path) -> str:
    """One line: what is missing where, the command that makes it, and the variable to set."""
    lacks = f" ({entry.marker} missing)" if entry.marker else ""
    other = f", or set {entry.env} to another copy's folder" if entry.env else ""
    return (
        f"{entry.what} ({entry.key}) is not at {where}{lacks}: make it with `{entry.command}` "
        f"(or `make week{entry.week:02d}`){other}"
    )


def _proof(entry: Artefact, where: Path) -> Path:
    """The file whose presence says the artefact is complete."""
    return where / entry.marker if entry.marker else where


def make_rules() -> str:
    """The Makefile rules that run a producer before a later week's full run that needs it."""
    lines = [
        "# Generated by `python -m shared.upstream make-rules` from shared/upstream.py; do not edit.",
        "# Each artefact a later week's full run needs is made first (not for FAST=1 runs).",
    ]
    for entry in ARTEFACTS.values():
        if not entry.needed_by:
            continue
        variable = entry.key.upper().replace(".", "_")
        weeks = " ".join(f"week{w:02d}" for w in entry.needed_by)
        lines += [
            "",
            f"# {entry.key}: {entry.what}",
            f"{variable} := {entry.repo_path}",
            f"{weeks}: $(if $(FAST),,$({variable}))",
            f"$({variable}): $(STAMP)",
            f"\t$(PY) -m {entry.module_args}",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`make-rules`: print the Makefile rules (the content of make/upstream.mk)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["make-rules"]:
        print("usage: python -m shared.upstream make-rules > make/upstream.mk", file=sys.stderr)
        return 2
    sys.stdout.write(make_rules())
    return 0


if __name__ == "__main__":
    sys.exit(main())

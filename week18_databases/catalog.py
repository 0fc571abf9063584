"""The models the service serves, by name: week 7's Titanic and loan pipelines, verified on load.

Each is a `ServedModel` (`shared.serving`, as in week 8: the pipeline, its sidecar, a version
taken from its sha256, and a predict that checks raw rows against the sidecar's input schema). A
full run serves week 7's saved files when they exist; otherwise, and in every `--fast` run and test,
`build_models` fits week 7's pipelines with their default settings (no grid search) on the
registry's data and saves them with their sidecars, so nothing depends on an earlier run.
`read_titanic_inputs` gives the raw rows the Titanic model scores.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shared import upstream
from shared.artifacts import ArtifactError, load_artifact, save_artifact
from shared.data import read_titanic
from shared.registry import fetch
from shared.serving import ServedModel
from week07_pipelines import loan as loan_pipeline
from week07_pipelines import titanic as titanic_pipeline

MODEL_FILES = {
    "titanic": titanic_pipeline.MODEL_FILENAME,
    "loan": loan_pipeline.MODEL_FILENAME,
}
WEEK07_MODELS = upstream.path("week07.models")
REBUILD_HINT = "rebuild it with `make week07`, or point the service at another --models folder"


class CatalogError(RuntimeError):
    """A model cannot be served; the message names the file and how to fix it."""


def load_catalog(models_dir: Path) -> dict[str, ServedModel]:
    """Load and verify every model of MODEL_FILES in `models_dir`; CatalogError if one fails."""
    catalog = {}
    for name, filename in MODEL_FILES.items():
        path = Path(models_dir) / filename
        try:
            pipeline, sidecar = load_artifact(path, rebuild_hint=REBUILD_HINT)
        except ArtifactError as exc:
            raise CatalogError(f"model {name!r}: {exc}") from None
        catalog[name] = ServedModel(pipeline, sidecar)
    return catalog


def has_all_models(models_dir: Path) -> bool:
    """Whether `models_dir` holds a file (and sidecar) for every served model."""
    folder = Path(models_dir)
    return all(
        (folder / f).is_file() and (folder / f"{f}.json").is_file() for f in MODEL_FILES.values()
    )


def build_models(models_dir: Path, seed: int = 0) -> Path:
    """Fit week 7's pipelines (default settings) on all their data, save them; return the folder."""
    folder = Path(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    titanic = read_titanic(fetch("titanic"))
    x, y = titanic[list(titanic_pipeline.TITANIC_INPUT_COLUMNS)], titanic[titanic_pipeline.TARGET]
    _fit_and_save(
        titanic_pipeline.build_pipeline(seed),
        x,
        y,
        folder / MODEL_FILES["titanic"],
        titanic_pipeline.TITANIC_SCHEMA,
    )
    loans = loan_pipeline.read_loanapp(fetch("loanapp"))
    x, y = loans[list(loan_pipeline.LOAN_INPUT_COLUMNS)], loans[loan_pipeline.TARGET]
    _fit_and_save(
        loan_pipeline.build_pipeline(seed),
        x,
        y,
        folder / MODEL_FILES["loan"],
        loan_pipeline.LOAN_SCHEMA,
    )
    return folder


def catalog_for_run(
    models_dir: Path, fast: bool, seed: int = 0
) -> tuple[dict[str, ServedModel], Path, str]:
    """Return (catalog, its folder, where the models came from) for a week 18 run.

    A full run serves week 7's saved files when present; otherwise the models are fitted into
    `models_dir` once, and reused by the run's other projects while they still verify.
    """
    if not fast and has_all_models(WEEK07_MODELS):
        return load_catalog(WEEK07_MODELS), WEEK07_MODELS, "week 7's saved pipelines"
    source = "week 7's pipelines, fitted with default settings for this run"
    if has_all_models(models_dir):
        try:
            return load_catalog(models_dir), Path(models_dir), source
        except CatalogError:
            pass  # saved by other library versions, or altered: fit them again below
    build_models(models_dir, seed)
    return load_catalog(models_dir), Path(models_dir), source


def read_titanic_inputs() -> pd.DataFrame:
    """The 891 passengers' raw input columns: the rows the Titanic model scores."""
    return read_titanic(fetch("titanic"))[list(titanic_pipeline.TITANIC_INPUT_COLUMNS)]


def _fit_and_save(pipeline, x, y, path: Path, schema: dict) -> None:
    """Fit `pipeline` and save it with its training accuracy and input schema."""
    pipeline.fit(x, y)
    accuracy = float((pipeline.predict(x) == y).mean())
    save_artifact(
        pipeline,
        path,
        metrics={"train_accuracy": accuracy},
        feature_schema=schema,
        extra={"fitted_by": "week18_databases.catalog.build_models"},
    )

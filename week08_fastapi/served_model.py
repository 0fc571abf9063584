"""The model behind the API: the week 7 pipeline, loaded only after its checksum is verified.

`load_served_model` goes through shared.artifacts.load_artifact, which refuses a file that is
missing, altered since it was saved, or saved by other library versions, before unpickling it.
A missing model is either built (week 7's `train_and_save`, when asked to) or reported with the
command that builds it; the service never starts on a model it could not verify. The loaded
pipeline is a `shared.serving.ServedModel`, as week 18's are.
"""

from __future__ import annotations

from pathlib import Path

from shared.artifacts import ArtifactError, load_artifact
from shared.serving import ServedModel
from week08_fastapi.schemas import COLUMNS

BUILD_HINT = "build it with `make week07` (or start the service with ML_ROADMAP_BUILD_MODEL=1)"


class ModelUnavailableError(RuntimeError):
    """No model can be served; the message says why and how to build one."""


def load_served_model(path: Path, *, build: bool = False) -> ServedModel:
    """Load and verify the saved pipeline at `path`; train it first when missing and `build`."""
    path = Path(path)
    if not path.is_file():
        if not build:
            raise ModelUnavailableError(f"no model at {path}: {BUILD_HINT}")
        _build(path)
    try:
        pipeline, sidecar = load_artifact(path, rebuild_hint="rebuild it with `make week07`")
    except ArtifactError as exc:
        raise ModelUnavailableError(str(exc)) from None
    schema = sidecar.get("feature_schema") or {}
    if set(schema) != set(COLUMNS.values()):
        raise ModelUnavailableError(
            f"{path}: the model expects columns {sorted(schema)}, but this API sends "
            f"{sorted(COLUMNS.values())}; {BUILD_HINT}"
        )
    if not hasattr(pipeline, "predict_proba"):
        raise ModelUnavailableError(f"{path}: the saved model has no predict_proba")
    return ServedModel(pipeline, sidecar)


def _build(path: Path) -> None:
    """Train and save the week 7 pipeline where the service expects it."""
    # Imported here: training needs the plotting and registry stack the serving image leaves out.
    from week07_pipelines.titanic import MODEL_FILENAME, train_and_save

    if path.name != MODEL_FILENAME:
        raise ModelUnavailableError(
            f"can only build {MODEL_FILENAME}, not {path.name}; {BUILD_HINT}"
        )
    train_and_save(path.parent)

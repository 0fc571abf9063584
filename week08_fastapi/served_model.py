"""The model behind the API: the week 7 pipeline, loaded only after its checksum is verified.

`load_served_model` goes through shared.artifacts.load_artifact, which refuses a file that is
missing, altered since it was saved, or saved by other library versions, before unpickling it.
A missing model is either built (week 7's `train_and_save`, when asked to) or reported with the
command that builds it; the service never starts on a model it could not verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shared.artifacts import ArtifactError, load_artifact
from shared.schema import check_rows
from week08_fastapi.schemas import COLUMNS

BUILD_HINT = "build it with `make week07` (or start the service with ML_ROADMAP_BUILD_MODEL=1)"


class ModelUnavailableError(RuntimeError):
    """No model can be served; the message says why and how to build one."""


@dataclass(frozen=True)
class ServedModel:
    """A verified pipeline together with its sidecar (sha256, metrics, input schema)."""

    pipeline: object
    sidecar: dict

    @property
    def version(self) -> str:
        """The model's version: the first 12 hex digits of its file's sha256."""
        return str(self.sidecar["sha256"])[:12]

    def predict(self, frame: pd.DataFrame) -> list[tuple[int, float]]:
        """Return (class, probability of survival) per row of raw input columns."""
        typed, errors = check_rows(frame, self.sidecar["feature_schema"])
        if errors:
            raise ValueError("; ".join(map(str, errors)))
        probabilities = self.pipeline.predict_proba(typed)[:, 1]
        return [(int(p >= 0.5), float(p)) for p in probabilities]


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
    from week07_pipelines.titanic_pipeline import MODEL_FILENAME, train_and_save

    if path.name != MODEL_FILENAME:
        raise ModelUnavailableError(
            f"can only build {MODEL_FILENAME}, not {path.name}; {BUILD_HINT}"
        )
    train_and_save(path.parent)

"""A saved classifier as a service serves it: the pipeline, its sidecar, and a checked predict.

Weeks 8 and 18 serve week 7's pipelines, loaded and verified by `shared.artifacts.load_artifact`.
`ServedModel` keeps the pipeline with its sidecar, so the version a service reports and stores is
the file's sha256, and every row is checked against the sidecar's input schema before the
pipeline sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from shared.schema import check_rows


class Classifier(Protocol):
    """What serving needs of a fitted scikit-learn classifier: class probabilities per row."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Return one row of class probabilities per input row."""
        ...


@dataclass(frozen=True)
class ServedModel:
    """A verified pipeline together with its sidecar (sha256, metrics, input schema)."""

    pipeline: Classifier
    sidecar: dict

    @property
    def version(self) -> str:
        """The model's version: the first 12 hex digits of its file's sha256."""
        return str(self.sidecar["sha256"])[:12]

    def predict(self, frame: pd.DataFrame) -> list[tuple[int, float]]:
        """Return (class, probability of class 1) per row of raw input columns."""
        typed, errors = check_rows(frame, self.sidecar["feature_schema"])
        if errors:
            raise ValueError("; ".join(map(str, errors)))
        probabilities = self.pipeline.predict_proba(typed)[:, 1]
        return [(int(p >= 0.5), float(p)) for p in probabilities]

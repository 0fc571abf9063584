"""joblib's unpickler restricted to an allow-list: what shared.artifacts loads models with.

It builds scikit-learn (and xgboost, lightgbm, shared) estimator classes, NumPy's scalar types
and ufuncs, and the globals named in `trusted`; any other global, such as `os.system`, is
refused before it is called. A module of its own so that shared.artifacts' sidecar checks need
neither joblib nor scikit-learn.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
from joblib.numpy_pickle import NumpyUnpickler
from sklearn.base import BaseEstimator

from shared.artifacts import ArtifactError

# Packages whose estimator classes (subclasses of sklearn's BaseEstimator) a model may hold.
ESTIMATOR_PACKAGES = ("sklearn", "xgboost", "lightgbm", "shared")


class RestrictedUnpickler(NumpyUnpickler):
    """joblib's unpickler, building only estimator classes and the globals in `trusted`."""

    def __init__(self, path: Path, file: BinaryIO, trusted: frozenset[str]) -> None:
        super().__init__(str(path), file, ensure_native_byte_order=True)
        self.trusted = trusted

    def find_class(self, module: str, name: str) -> object:
        """Return the named global only if it is allowed; checked before it is ever called."""
        full = f"{module}.{name}"
        if full in self.trusted:
            return super().find_class(module, name)
        if module.split(".")[0] in ESTIMATOR_PACKAGES and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, BaseEstimator):
                return found
        if module.split(".")[0] == "numpy" and name.isidentifier():
            found = super().find_class(module, name)
            if isinstance(found, np.ufunc) or (
                isinstance(found, type) and issubclass(found, np.generic)
            ):
                return found
        raise ArtifactError(
            f"the pickle refers to {full}, which is not on the list of what a model may hold, "
            "and was refused before it ran (pass trusted={...} to load_artifact if you wrote it)"
        )

"""Saved models with a sidecar: checksum, library versions, feature schema and metrics.

`save_artifact` writes `model.joblib` and `model.joblib.json` atomically. `load_artifact` reads
the sidecar first and refuses (ArtifactError) a file that is missing, tampered with, described by
a malformed sidecar, or saved by other library versions; only then does it unpickle. A pickle
runs code when loaded, so the checksum must pass before joblib ever sees the bytes.

The checksum proves integrity, not origin: whoever can write the model file can write its
sidecar too. So the unpickler is restricted as well: it builds only scikit-learn estimators (and
the few NumPy and helper types they hold) and refuses any other global, such as `os.system`,
before calling it. Even so, load only models you built yourself.

PyTorch models saved as tensors (a state dict, safetensors, ONNX: weeks 22 and 24) get a sidecar
of the same name from `write_sidecar`, and `verified` checks a file against it before anything
reads the file. joblib, scikit-learn and pandas are imported where they are needed (the
unpickler is shared.unpickler), so a service that only serves ONNX (shared.onnx_model, week 22's
torch-free face-mask image) needs none of them.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import pickle
import platform
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from shared.atomic import atomic_path, write_text_atomic
from shared.registry import sha256_of

# Libraries whose objects end up inside a pickled model; "sklearn" is scikit-learn's import name.
_CORE_LIBRARIES = {
    "sklearn": "scikit-learn",
    "numpy": "numpy",
    "pandas": "pandas",
    "joblib": "joblib",
}
_OPTIONAL_LIBRARIES = {"xgboost": "xgboost", "lightgbm": "lightgbm", "torch": "torch"}
# A pickle from another release of these may load wrongly or not at all: they must match exactly.
_EXACT = ("sklearn", "xgboost", "lightgbm", "torch")
# For these the major version must match (e.g. NumPy 1 vs 2 pickles are incompatible).
_SAME_MAJOR = ("numpy", "pandas")
# The tensor formats a PyTorch model is saved in (weeks 22 and 24), by file suffix.
SUFFIXES = {"state_dict": ".pt", "safetensors": ".safetensors", "onnx": ".onnx"}
_RESERVED = ("sha256", "created", "versions", "metrics", "feature_schema")
# Everything else a pickled pipeline may refer to, by exact name: NumPy's array machinery and
# the functions week 7's pipelines hold (score functions, FunctionTransformer functions).
TRUSTED_GLOBALS = frozenset(
    {
        "builtins.slice",
        "builtins.set",
        "builtins.frozenset",
        "builtins.complex",
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy._core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar",
        "numpy.core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "sklearn.tree._tree.Tree",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "sklearn.feature_selection._univariate_selection.f_regression",
        "sklearn.feature_selection._univariate_selection.chi2",
        "shared.tabular.log1p",
        "shared.tabular.to_text",
        "shared.tabular._log1p",
        "shared.tabular._to_text",
        "xgboost.core.Booster",
    }
)


class ArtifactError(ValueError):
    """A saved model cannot be trusted or used; the message says why and what to do."""


class FormatError(ArtifactError):
    """A saved tensor-format file (state dict, safetensors, ONNX) fails its sidecar's check."""


class Sidecar(BaseModel):
    """The shape a sidecar must have before its model is trusted; other fields are kept as-is."""

    model_config = ConfigDict(extra="allow")

    sha256: StrictStr = Field(pattern=r"^[0-9a-f]{64}$")
    created: StrictStr
    versions: dict[str, StrictStr]
    metrics: dict[str, float]
    feature_schema: dict

    @field_validator("feature_schema")
    @classmethod
    def _schema(cls, value: dict) -> dict:
        """The input schema must be one shared.schema can check rows against."""
        from shared.schema import SchemaError, validate_schema

        try:
            return validate_schema(value)
        except SchemaError as exc:
            raise ValueError(str(exc)) from None


def sidecar_path(path: Path) -> Path:
    """Return the sidecar of a model file: `model.joblib` -> `model.joblib.json`."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def write_sidecar(path: Path, meta: dict) -> Path:
    """Write a tensor-format file's sidecar: its sha256, format, library versions and `meta`."""
    sidecar = {
        "sha256": sha256_of(path),
        "format": next(f for f, s in SUFFIXES.items() if path.name.endswith(s)),
        "versions": library_versions({"torch"}),
        **meta,
    }
    write_text_atomic(sidecar_path(path), json.dumps(sidecar, indent=2) + "\n")
    return sidecar_path(path)


def verified(path: Path, remedy: str = "run week 24 again") -> dict:
    """Return `path`'s sidecar after checking the file's sha256 against it; FormatError if not.

    `remedy` ends the message of a missing or unreadable pair: the command that makes them again.
    """
    side = sidecar_path(path)
    if not path.is_file() or not side.is_file():
        raise FormatError(f"{path} or its sidecar {side.name} is missing; {remedy}")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        meta = None
    if not isinstance(meta, dict):
        raise FormatError(f"{side.name} is not a sidecar (a JSON object): refused; {remedy}")
    if sha256_of(path) != meta.get("sha256"):
        raise FormatError(f"{path} does not match the sha256 in {side.name}: refused, not loaded")
    return meta


def library_versions(used: set[str] | None = None) -> dict[str, str]:
    """Return the Python version and the versions of the libraries a model may hold.

    With `used` (see packages_used), optional libraries the model does not hold are left out,
    so an scikit-learn model saved beside torch still loads where torch is not installed.
    """
    versions = {"python": platform.python_version()}
    for key, dist in {**_CORE_LIBRARIES, **_OPTIONAL_LIBRARIES}.items():
        if key in _OPTIONAL_LIBRARIES and used is not None and key not in used:
            continue
        try:
            versions[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            if key in _CORE_LIBRARIES:
                raise
    return versions


class _PackageRecorder(pickle.Pickler):
    """A pickler that notes the top-level package of every object it is asked to write."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.packages: set[str] = set()

    def persistent_id(self, obj: object) -> None:
        """Called once per object: record where it and its type come from, then pickle as usual."""
        for module in (type(obj).__module__, getattr(obj, "__module__", None)):
            if isinstance(module, str):
                self.packages.add(module.split(".")[0])


def packages_used(model: object) -> set[str]:
    """Return the top-level packages whose objects (or classes) the pickled model holds."""
    recorder = _PackageRecorder(io.BytesIO())
    recorder.dump(model)
    return recorder.packages


def save_artifact(
    model: object,
    path: Path,
    *,
    metrics: dict,
    feature_schema: dict,
    extra: dict | None = None,
) -> Path:
    """Dump `model` with joblib to `path` and write its sidecar, both atomically; return `path`."""
    extra = extra or {}
    clash = sorted(set(extra) & set(_RESERVED))
    if clash:
        raise ValueError(f"extra keys {clash} would overwrite the sidecar's own fields")
    import joblib

    path = Path(path)
    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)
        digest = sha256_of(tmp)
    sidecar = {
        "sha256": digest,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(packages_used(model)),
        "metrics": metrics,
        "feature_schema": feature_schema,
        **extra,
    }
    write_text_atomic(sidecar_path(path), json.dumps(sidecar, indent=2, default=_jsonable) + "\n")
    return path


def read_sidecar(path: Path) -> dict:
    """Return the parsed sidecar of a model file, or raise ArtifactError saying what is wrong."""
    side = sidecar_path(path)
    if not side.is_file():
        raise ArtifactError(
            f"{path}: its sidecar {side.name} is missing, so the file cannot be verified; "
            "save the model again with shared.artifacts.save_artifact"
        )
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ArtifactError(f"{side}: not valid JSON ({exc}); save the model again") from exc
    try:
        Sidecar.model_validate(meta)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'top level'}: {e['msg']}" for e in exc.errors()
        )
        raise ArtifactError(
            f"{side}: not a model sidecar ({problems}); save the model again"
        ) from None
    return meta


def load_artifact(
    path: Path, *, rebuild_hint: str = "save the model again", trusted: frozenset[str] = frozenset()
) -> tuple[object, dict]:
    """Verify a saved model's checksum and library versions, then load it; return (model, sidecar).

    Raises ArtifactError, before anything is unpickled, when the model file or its sidecar is
    missing or malformed, the file's sha256 differs from the sidecar's (tampered or corrupt), or
    the library versions that saved it differ from the running ones; and, while unpickling, before
    it is called, when the pickle names a global that is neither an estimator class nor in
    TRUSTED_GLOBALS or `trusted` ("module.name" strings). `rebuild_hint` is appended to the
    message, e.g. "rebuild it with `make week07`".
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise ArtifactError(f"{path}: no such model file")
        meta = read_sidecar(path)
        actual = sha256_of(path)
        if actual != meta["sha256"]:
            raise ArtifactError(
                f"{path}: sha256 {actual[:16]}… differs from its sidecar's {str(meta['sha256'])[:16]}…; "
                "the file was modified or corrupted after it was saved and will not be unpickled"
            )
        mismatches = version_mismatches(meta["versions"], library_versions())
        if mismatches:
            raise ArtifactError(
                f"{path}: saved with other library versions ({'; '.join(mismatches)}); "
                "a pickle from another release may load wrongly"
            )
        model = _restricted_load(path, TRUSTED_GLOBALS | trusted)
    except ArtifactError as exc:
        raise ArtifactError(f"{exc}. To fix: {rebuild_hint}.") from None
    return model, meta


def _restricted_load(path: Path, trusted: frozenset[str]) -> object:
    """Unpickle a joblib file with RestrictedUnpickler; raise ArtifactError if it cannot."""
    from shared.unpickler import RestrictedUnpickler

    with path.open("rb") as file:
        try:
            return RestrictedUnpickler(path, file, trusted).load()
        except ArtifactError as exc:
            raise ArtifactError(f"{path}: {exc}") from None
        except (
            pickle.UnpicklingError,
            EOFError,
            ValueError,
            TypeError,
            AttributeError,
            ImportError,
        ) as exc:
            raise ArtifactError(f"{path}: cannot be unpickled ({exc})") from None


def version_mismatches(saved: dict, running: dict) -> list[str]:
    """Return 'lib saved X, running Y' for each library whose versions are incompatible."""
    problems = []
    for lib in (*_EXACT, *_SAME_MAJOR):
        was, now = saved.get(lib), running.get(lib)
        if was is None and lib in _OPTIONAL_LIBRARIES:
            continue  # the model was saved without it, so it cannot need it
        same = was == now if lib in _EXACT else _major(was) == _major(now)
        if not same:
            problems.append(f"{lib} saved {was or 'absent'}, running {now or 'absent'}")
    return problems


def _major(version: str | None) -> str | None:
    return version.split(".")[0] if version else None


def _jsonable(value: object) -> object:
    """Turn NumPy scalars and arrays, and paths, into plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a model sidecar")

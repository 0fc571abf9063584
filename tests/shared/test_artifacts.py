"""shared.artifacts: a saved model reloads identically; a tampered or mismatched one is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from shared import artifacts
from shared.artifacts import (
    ArtifactError,
    load_artifact,
    packages_used,
    save_artifact,
    sidecar_path,
)
from shared.registry import sha256_of


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, LogisticRegression, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    path = save_artifact(
        model,
        tmp_path / "m.joblib",
        metrics={"acc": np.float64(0.9)},
        feature_schema={"x": {"dtype": "float"}},
        extra={"note": "test"},
    )
    return path, model, X


def test_roundtrip_predicts_identically_and_keeps_the_sidecar(saved) -> None:
    path, model, X = saved
    loaded, meta = load_artifact(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert meta["metrics"] == {"acc": 0.9}
    assert meta["feature_schema"] == {"x": {"dtype": "float"}}
    assert meta["note"] == "test"
    assert meta["versions"]["sklearn"] == artifacts.library_versions()["sklearn"]
    assert meta["sha256"] == sha256_of(path)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


def test_tampered_file_is_refused_before_unpickling(saved, monkeypatch) -> None:
    path, _, _ = saved
    with path.open("ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(
        artifacts, "_restricted_load", lambda *a: pytest.fail("unpickled a tampered file")
    )
    with pytest.raises(ArtifactError, match=r"sha256 .* differs") as info:
        load_artifact(path, rebuild_hint="rebuild it with `make week07`")
    assert "make week07" in str(info.value)


def test_replaced_model_with_a_valid_pickle_is_refused(saved) -> None:
    path, _, X = saved
    joblib.dump(LogisticRegression().fit(X, (X[:, 1] > 0).astype(int)), path)
    with pytest.raises(ArtifactError, match="modified or corrupted"):
        load_artifact(path)


def test_version_mismatch_is_refused(saved) -> None:
    path, _, _ = saved
    side = sidecar_path(path)
    meta = json.loads(side.read_text())
    meta["versions"]["sklearn"] = "0.24.2"
    side.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match=r"sklearn saved 0\.24\.2, running"):
        load_artifact(path)


def test_missing_files_are_refused_with_a_clear_message(saved, tmp_path: Path) -> None:
    path, _, _ = saved
    with pytest.raises(ArtifactError, match="no such model file"):
        load_artifact(tmp_path / "absent.joblib")
    sidecar_path(path).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_artifact(path)
    sidecar_path(path).unlink()
    with pytest.raises(ArtifactError, match=r"sidecar .* is missing"):
        load_artifact(path)


def test_version_rules() -> None:
    running = {"sklearn": "1.9.1", "numpy": "2.4.6", "pandas": "3.1.1", "xgboost": "3.2.0"}
    assert artifacts.version_mismatches({**running, "numpy": "2.0.0"}, running) == []
    assert artifacts.version_mismatches({**running, "numpy": "1.26.4"}, running) == [
        "numpy saved 1.26.4, running 2.4.6"
    ]
    assert (
        artifacts.version_mismatches({k: v for k, v in running.items() if k != "xgboost"}, running)
        == []
    )
    assert artifacts.version_mismatches({**running, "lightgbm": "4.0.0"}, running) == [
        "lightgbm saved 4.0.0, running absent"
    ]


def test_extra_cannot_overwrite_the_checksum(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        save_artifact(
            1, tmp_path / "m.joblib", metrics={}, feature_schema={}, extra={"sha256": "x"}
        )


def test_sidecar_records_only_the_optional_libraries_the_model_holds(saved) -> None:
    """A scikit-learn model saved where torch is installed must still load where it is not."""
    meta = json.loads(sidecar_path(saved[0]).read_text())
    assert {"sklearn", "numpy", "joblib"} <= meta["versions"].keys()
    assert not {"torch", "xgboost", "lightgbm"} & meta["versions"].keys()


def test_packages_used_sees_classes_and_functions() -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from xgboost import XGBClassifier

    model = make_pipeline(FunctionTransformer(np.log1p), XGBClassifier(n_estimators=2))
    assert {"sklearn", "numpy", "xgboost"} <= packages_used(model)
    assert "torch" not in packages_used(model)


@pytest.mark.parametrize(
    "change",
    [
        lambda meta: [1, 2],
        lambda meta: None,
        lambda meta: {**meta, "versions": []},
        lambda meta: {k: v for k, v in meta.items() if k != "feature_schema"},
        lambda meta: {**meta, "feature_schema": {"x": 3}},
        lambda meta: {**meta, "feature_schema": {"x": {"dtype": "date"}}},
        lambda meta: {**meta, "sha256": 12},
        lambda meta: {**meta, "metrics": [0.9]},
    ],
)
def test_a_sidecar_of_the_wrong_shape_is_refused_with_the_fix(saved, change) -> None:
    path, _, _ = saved
    side = sidecar_path(path)
    side.write_text(json.dumps(change(json.loads(side.read_text()))))
    with pytest.raises(ArtifactError, match="not a model sidecar") as info:
        load_artifact(path, rebuild_hint="rebuild it with `make week07`")
    assert "make week07" in str(info.value)


class _Hostile:
    """Pickles to a call of os.system: what a malicious model file would hold."""

    def __init__(self, marker: Path) -> None:
        self.command = f"touch {marker}"

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_hostile_pickle_with_a_matching_sidecar_is_refused_before_it_runs(
    saved, tmp_path: Path
) -> None:
    """The checksum proves integrity, not origin: an attacker can write the sidecar too."""
    path, _, _ = saved
    marker = tmp_path / "pwned"
    joblib.dump({"model": _Hostile(marker)}, path)
    side = sidecar_path(path)
    side.write_text(json.dumps({**json.loads(side.read_text()), "sha256": sha256_of(path)}))
    with pytest.raises(ArtifactError, match=r"posix\.system|os\.system|nt\.system"):
        load_artifact(path)
    assert not marker.exists()


def test_classes_outside_the_allow_list_are_refused_unless_trusted(saved) -> None:
    path, _, _ = saved
    joblib.dump({"when": __import__("datetime").date(2024, 1, 2)}, path)
    side = sidecar_path(path)
    side.write_text(json.dumps({**json.loads(side.read_text()), "sha256": sha256_of(path)}))
    with pytest.raises(ArtifactError, match=r"datetime\.date, which is not on the list"):
        load_artifact(path)
    loaded, _ = load_artifact(path, trusted=frozenset({"datetime.date"}))
    assert loaded["when"].year == 2024

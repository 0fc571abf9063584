"""Week 7 Titanic pipeline: the saved-model contract week 8 serves, and the predict CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shared.artifacts import ArtifactError, load_artifact
from shared.data import read_titanic
from shared.registry import fetch
from week07_pipelines.__main__ import main
from week07_pipelines.titanic_pipeline import (
    MODEL_FILENAME,
    TITANIC_INPUT_COLUMNS,
    train_and_save,
    validate_rows,
)

GOOD = "Pclass,Sex,Age,SibSp,Parch,Fare,Embarked\n3,male,22,1,0,7.25,S\n1,female,,0,0,71.28,C\n"


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_and_save(tmp_path_factory.mktemp("models"), seed=0, fast=True)


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return read_titanic(fetch("titanic"))[list(TITANIC_INPUT_COLUMNS)]


def test_saved_pipeline_takes_raw_columns_and_reloads_identically(
    model_path: Path, passengers
) -> None:
    assert model_path.name == MODEL_FILENAME
    model, meta = load_artifact(model_path)
    assert list(meta["feature_schema"]) == list(TITANIC_INPUT_COLUMNS)
    proba = model.predict_proba(passengers)
    assert proba.shape == (891, 2)
    again, _ = load_artifact(model_path)
    np.testing.assert_array_equal(again.predict_proba(passengers), proba)
    women_first = passengers.assign(Sex="female", Pclass=1)
    assert model.predict_proba(women_first)[:, 1].mean() > proba[:, 1].mean()


def test_tampered_model_is_refused(model_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / MODEL_FILENAME
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    (tmp_path / (MODEL_FILENAME + ".json")).write_bytes(
        Path(str(model_path) + ".json").read_bytes()
    )
    with pytest.raises(ArtifactError, match="sha256"):
        load_artifact(copy)


def test_validate_rows_reports_each_bad_cell(passengers) -> None:
    assert validate_rows(passengers) == []
    bad = pd.DataFrame({"Pclass": [4, 1], "Sex": ["male", "robot"], "Age": [30, "old"],
                        "SibSp": [0, 0.5], "Parch": [-1, 0], "Fare": [None, 5.0]})  # fmt: skip
    found = {(e.row, e.column) for e in validate_rows(bad)}
    assert found == {
        (None, "Embarked"),
        (0, "Pclass"),
        (1, "Sex"),
        (1, "Age"),
        (1, "SibSp"),
        (0, "Parch"),
    }


def test_predict_cli_prints_predictions(model_path: Path, tmp_path: Path, capsys) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(GOOD)
    assert main(["predict", "--model", str(model_path), "--input", str(rows)]) == 0
    out = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(out["prediction"]) == [0, 1]
    assert out["probability"].between(0, 1).all()


def test_predict_cli_reports_bad_rows_by_row_and_column(
    model_path: Path, tmp_path: Path, capsys
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("Pclass,Sex,Age,SibSp,Parch,Fare\n3,male,22,1,0,7.25\nfirst,male,-4,0,0,\n")
    assert main(["predict", "--model", str(model_path), "--input", str(rows)]) == 2
    err = capsys.readouterr().err
    assert "all rows, column 'Embarked': column is missing" in err
    assert "row 2, column 'Pclass'" in err and "row 2, column 'Age'" in err
    assert "Traceback" not in err


def test_predict_cli_refuses_a_missing_sidecar(model_path: Path, tmp_path: Path, capsys) -> None:
    lonely = tmp_path / MODEL_FILENAME
    lonely.write_bytes(model_path.read_bytes())
    rows = tmp_path / "rows.csv"
    rows.write_text(GOOD)
    assert main(["predict", "--model", str(lonely), "--input", str(rows)]) == 2
    assert "make week07" in capsys.readouterr().err

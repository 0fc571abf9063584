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
from week07_pipelines.titanic import (
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
    bad = pd.DataFrame(
        {
            "Pclass": [4, 1],
            "Sex": ["male", "robot"],
            "Age": [30, "old"],
            "SibSp": [0, 0.5],
            "Parch": [-1, 0],
            "Fare": [None, 5.0],
        }
    )
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


@pytest.mark.parametrize(
    ("cell", "column"),
    [("SibSp=1e30", "SibSp"), ("Parch=9223372036854775807", "Parch"), ("Fare=1e300", "Fare")],
)
def test_predict_cli_reports_huge_numbers_as_row_errors(
    model_path: Path, tmp_path: Path, capsys, cell: str, column: str
) -> None:
    row = {"Pclass": "3", "Sex": "male", "Age": "22", "SibSp": "1", "Parch": "0", "Fare": "7.25"}
    row[column] = cell.split("=")[1]
    rows = tmp_path / "rows.csv"
    rows.write_text(",".join([*row, "Embarked"]) + "\n" + ",".join([*row.values(), "S"]) + "\n")
    assert main(["predict", "--model", str(model_path), "--input", str(rows)]) == 2
    err = capsys.readouterr().err
    assert f"row 1, column '{column}'" in err and "Traceback" not in err


def test_predict_cli_refuses_an_output_in_a_missing_folder(
    model_path: Path, tmp_path: Path, capsys
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(GOOD)
    out = tmp_path / "absent" / "out.csv"
    assert (
        main(["predict", "--model", str(model_path), "--input", str(rows), "--output", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err and not out.parent.exists()


def test_predict_cli_reads_in_chunks_and_writes_only_good_output(
    model_path: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """Memory stays bounded: the model never sees more than CHUNK_ROWS rows at once."""
    import week07_pipelines.predict as predict

    sizes: list[int] = []
    real = predict.predict_frame
    monkeypatch.setattr(predict, "CHUNK_ROWS", 2)
    monkeypatch.setattr(predict, "predict_frame", lambda m, r: sizes.append(len(r)) or real(m, r))
    data = GOOD + "2,female,30,0,1,20,Q\n" + "3,male,40,0,0,8.05,S\n" + "1,male,,0,0,30,C\n"
    rows, out = tmp_path / "rows.csv", tmp_path / "out.csv"
    rows.write_text(data)
    assert (
        main(["predict", "--model", str(model_path), "--input", str(rows), "--output", str(out)])
        == 0
    )
    assert sizes == [2, 2, 1]
    chunked = pd.read_csv(out)
    model, _ = load_artifact(model_path)
    whole = pd.read_csv(pd.io.common.StringIO(data))
    assert list(chunked["prediction"]) == list(model.predict(whole))
    rows.write_text(data + "3,male,22,1,0,7.25,X\n")
    assert (
        main(["predict", "--model", str(model_path), "--input", str(rows), "--output", str(out)])
        == 2
    )
    assert "row 6, column 'Embarked'" in capsys.readouterr().err
    assert pd.read_csv(out).equals(chunked)  # the bad input left the earlier output untouched

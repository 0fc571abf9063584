"""Week 14: the `classify` sub-command on a saved pipeline, with good and bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from shared.artifacts import save_artifact
from shared.schema import column_spec
from week14_nlp.classify import main
from week14_nlp.projects.spam_classifier import build_pipeline, candidates

HAM = [
    "Re: meeting notes\nThe notes from Tuesday's meeting are attached, see you at lunch.",
    "Re: patch review\nI reviewed your patch; the tests pass and the code reads well.",
    "Minutes\nThanks for the minutes of the meeting, the review is on Tuesday.",
]
SPAM = [
    "FREE money!!!\nClick here to claim your FREE prize money now, limited offer.",
    "Cheap meds\nClick here for cheap meds, free shipping, order now.",
    "You WON\nClaim your prize now: click here, free money offer.",
]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    """A linear-SVM pipeline trained on six hand-written emails, saved with its sidecar."""
    pipeline = build_pipeline(candidates()["linear_svm"]).fit(HAM + SPAM, [0, 0, 0, 1, 1, 1])
    path = tmp_path_factory.mktemp("model") / "spam.joblib"
    schema = {"text": column_spec("str")}
    return save_artifact(
        pipeline, path, metrics={}, feature_schema=schema, extra={"classes": ["ham", "spam"]}
    )


def _eml(subject: str, body: str) -> bytes:
    return f"From: x@example.org\nSubject: {subject}\n\n{body}\n".encode()


def test_classifies_a_folder_into_csv(model_file, tmp_path, capsys):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1.eml").write_bytes(_eml("lunch", "see the meeting notes from Tuesday"))
    (folder / "2.eml").write_bytes(_eml("PRIZE", "click here for free money now"))
    assert main(["--model", str(model_file), "--input", str(folder)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(Path(r["file"]).name, r["subject"], r["prediction"]) for r in rows] == [
        ("1.eml", "lunch", "ham"),
        ("2.eml", "PRIZE", "spam"),
    ]
    assert float(rows[0]["score"]) < 0 < float(rows[1]["score"])


def test_mbox_to_an_output_file(model_file, tmp_path):
    box = tmp_path / "in.mbox"
    box.write_bytes(
        b"From a@b Mon Jan  1 00:00:00 2024\n"
        + _eml("notes", "patch review on Tuesday")
        + b"\nFrom a@b Mon Jan  1 00:00:00 2024\n"
        + _eml("offer", "claim your free prize, click here")
    )
    out = tmp_path / "out.csv"
    assert main(["--model", str(model_file), "--input", str(box), "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["prediction"] for r in rows] == ["ham", "spam"]
    assert rows[1]["file"].endswith("in.mbox#2")


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"no headers here\n", "no email headers")],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(
    model_file, tmp_path, capsys, content, problem
):
    bad = tmp_path / "bad.eml"
    bad.write_bytes(content)
    out = tmp_path / "out.csv"
    args = ["--model", str(model_file), "--input", str(bad), "--output", str(out)]
    assert main(args) == 2
    assert problem in capsys.readouterr().err and not out.exists()


def test_tampered_or_missing_model_is_refused(model_file, tmp_path, capsys):
    mail = tmp_path / "1.eml"
    mail.write_bytes(_eml("hi", "hello"))
    tampered = tmp_path / "spam.joblib"
    tampered.write_bytes(model_file.read_bytes() + b"x")
    (tmp_path / "spam.joblib.json").write_text(Path(f"{model_file}.json").read_text())
    assert main(["--model", str(tampered), "--input", str(mail)]) == 2
    assert "differs from its sidecar" in capsys.readouterr().err
    assert main(["--model", str(tmp_path / "none.joblib"), "--input", str(mail)]) == 2
    assert "make week14" in capsys.readouterr().err

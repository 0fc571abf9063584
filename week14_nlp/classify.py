"""Classify emails with the saved spam filter: `python -m week14_nlp classify --model M --input P`.

P is one .eml file, an mbox file (several messages, each starting with a `From ` line), or a
folder of them (every file below it, hidden ones skipped). The model is loaded through
shared.artifacts (checksum, sidecar and library versions verified, then only allow-listed
classes unpickled); each message is parsed as the model was trained (emails.email_text). Output
is CSV, on stdout or, with --output, written atomically: the message (`file`, or `file#N` for
the Nth message of an mbox), its subject, the prediction (spam/ham) and a score: P(spam) for
naive Bayes and logistic regression, the signed distance to the boundary for the linear SVM
(above 0: spam). An input that is not email (empty, binary, no headers, over 10 MB) is refused
with exit code 2, naming the file, and nothing is written.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shared.artifacts import ArtifactError, load_artifact
from shared.atomic import write_text_atomic
from shared.cli import command_error
from week14_nlp.emails import Email, EmailError, read_messages

REBUILD_HINT = "rebuild it with `make week14` (or `python -m week14_nlp --project spam_classifier`)"


def build_parser() -> argparse.ArgumentParser:
    """Return the `classify` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week14_nlp classify",
        description="Label emails spam or ham with the filter week 14 saved "
        "(reports/week14/models/spam_classifier.joblib).",
    )
    parser.add_argument(
        "--model", type=Path, required=True, help="saved .joblib pipeline (with its .json sidecar)"
    )
    parser.add_argument(
        "--input", type=Path, required=True, help="an .eml file, an mbox file, or a folder of them"
    )
    parser.add_argument("--output", type=Path, default=None, help="write the CSV here, not stdout")
    return parser


def spam_scores(model, texts: list[str]) -> np.ndarray:
    """Return P(spam) where the model gives probabilities, else its decision function."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(texts)[:, 1]
    return model.decision_function(texts)


def predictions_csv(model, messages: Sequence[Email], classes: Sequence[str]) -> str:
    """Return the CSV text: file, subject, prediction and score of every message."""
    texts = [m.text for m in messages]
    labels = model.predict(texts)
    scores = spam_scores(model, texts)
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(["file", "subject", "prediction", "score"])
    for message, label, score in zip(messages, labels, scores, strict=True):
        subject = message.text.split("\n", 1)[0]
        writer.writerow([message.source, subject, classes[int(label)], f"{score:.4f}"])
    return lines.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return 0 on success, 2 on a bad model file, input or output path."""
    args = build_parser().parse_args(argv)
    if args.output is not None and not args.output.parent.is_dir():
        return command_error(f"--output {args.output}: folder {args.output.parent} does not exist")
    try:
        model, meta = load_artifact(args.model, rebuild_hint=REBUILD_HINT)
    except ArtifactError as exc:
        return command_error(str(exc))
    try:
        messages = list(read_messages(args.input))
    except EmailError as exc:
        return command_error(str(exc))
    if not messages:
        return command_error(f"{args.input}: no messages found (an empty mbox?)")
    text = predictions_csv(model, messages, meta.get("classes", ["ham", "spam"]))
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.output, text)
    return 0

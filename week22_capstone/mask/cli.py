"""`python -m week22_capstone mask --input FILE`: the face-mask API's answer, from the command line.

Prints the same JSON the API returns (kind, frames, faces with boxes, labels and probabilities,
masked count) with the path of the annotated copy; exit code 2 with one line for a file that
cannot be read, an image over 4096x4096 px (read from its header before any model loads), a
truncated image, an --out that is not a folder, a --threshold outside (0, 1), or a model that
is not there (`--backend onnx` without week 24's export names the command that makes it).
`--backend onnx` runs week 13's classifier on ONNX Runtime without importing torch.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from shared import upstream
from shared.cli import command_error
from shared.paths import week_report_dir
from week22_capstone.mask.onnx_runtime import EXPORT_COMMAND, ONNX_FILE

BACKENDS = ("onnx", "torch")

DEFAULT_OUT = week_report_dir(22) / "mask_cli"
WEEK13_MODELS = upstream.path("week13.models")


def _threshold(text: str) -> float:
    """Parse --threshold: a confidence strictly between 0 and 1."""
    from week22_capstone.mask.detect import check_threshold

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    try:
        return check_threshold(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The `mask` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week22_capstone mask",
        description="Find faces in an image or short video, label each mask / no mask, and "
        "write an annotated copy.",
    )
    parser.add_argument("--input", type=Path, required=True, help="image or video file")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"folder (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=WEEK13_MODELS,
        help=f"week 13's model folder (default {WEEK13_MODELS})",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help=f"onnx (ONNX Runtime, no torch) or torch; default onnx once {ONNX_FILE} is in "
        f"--models (`{EXPORT_COMMAND}` makes it), else torch",
    )
    parser.add_argument(
        "--classifier",
        choices=("auto", "finetuned", "keras"),
        default="auto",
        help="torch: fine-tuned when saved (auto) or Keras; onnx: the exported Keras one",
    )
    parser.add_argument(
        "--threshold", type=_threshold, default=0.5, help="SSD face confidence, in (0, 1)"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run detection on one file and print the JSON summary (exit 2 on a bad file)."""
    from week13_cv_advanced.video import VideoError
    from week22_capstone.mask.detect import check_input, detect_file, mask_pipeline

    args = build_parser().parse_args(list(argv))
    if not args.input.is_file():
        return command_error(f"no such file: {args.input}")
    try:
        check_input(args.input)
    except VideoError as exc:
        return command_error(str(exc))
    if args.out.exists() and not args.out.is_dir():
        return command_error(f"--out {args.out} is a file; give a folder for the annotated copy")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return command_error(
            f"--out {args.out} is not a folder that can be written: {exc.strerror}"
        )
    try:
        pipeline = mask_pipeline(args.models, args.classifier, args.threshold, args.backend)
        summary = detect_file(args.input, args.out, pipeline)
    except (VideoError, FileNotFoundError, ValueError) as exc:
        return command_error(str(exc))
    print(json.dumps({**summary, "annotated": str(summary["annotated"])}, indent=2))
    return 0

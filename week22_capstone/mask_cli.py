"""`python -m week22_capstone mask --input FILE`: the face-mask API's answer, from the command line.

Prints the same JSON the API returns (kind, frames, faces with boxes, labels and probabilities,
masked count) with the path of the annotated copy; exit code 2 with one line for a file that
cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from shared.paths import week_report_dir

DEFAULT_OUT = week_report_dir(22) / "mask_cli"
WEEK13_MODELS = week_report_dir(13) / "models"


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
    parser.add_argument("--classifier", choices=("auto", "finetuned", "keras"), default="auto")
    parser.add_argument("--threshold", type=float, default=0.5, help="SSD face confidence")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run detection on one file and print the JSON summary (exit 2 on a bad file)."""
    from week13_cv_advanced.video import VideoError
    from week22_capstone.mask import detect_file, mask_pipeline

    args = build_parser().parse_args(list(argv))
    if not args.input.is_file():
        print(f"error: no such file: {args.input}", file=sys.stderr)
        return 2
    try:
        pipeline = mask_pipeline(WEEK13_MODELS, args.classifier, args.threshold)
        summary = detect_file(args.input, args.out, pipeline)
    except (VideoError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({**summary, "annotated": str(summary["annotated"])}, indent=2))
    return 0

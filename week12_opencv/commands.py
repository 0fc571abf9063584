"""Sub-commands: classify your own photos, or count coins in your own picture.

    python -m week12_opencv classify PHOTO [PHOTO ...] [--top 5]
    python -m week12_opencv count-coins IMAGE --out OUTLINED.png

A missing or unreadable image stops the command with a message saying which file and why,
before anything is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from shared.cli import command_error
from shared.registry import DatasetError, fetch
from week11_transfer_learning.pretrained import imagenet_categories, load_mobilenet_v2
from week12_opencv.cnn_input import opencv_input
from week12_opencv.coins import find_coins, outline
from week12_opencv.images import read_image, write_image


def classify(argv: list[str]) -> int:
    """Print the top ImageNet classes of each photo, preprocessed by the OpenCV pipeline."""
    parser = argparse.ArgumentParser(
        prog="python -m week12_opencv classify",
        description="Top ImageNet classes of photos, by the pretrained MobileNetV2 of week 11.",
    )
    parser.add_argument("photos", nargs="+", type=Path, help="image files (JPEG, PNG, ...)")
    parser.add_argument("--top", type=int, default=5, choices=range(1, 11), metavar="1..10")
    args = parser.parse_args(argv)
    try:
        images = [read_image(path) for path in args.photos]
        weights = fetch("mobilenet_v2_imagenet")
    except (OSError, ValueError, DatasetError) as exc:
        return command_error(str(exc))

    model = load_mobilenet_v2(weights).eval()
    with torch.inference_mode():
        probs = model(torch.stack([opencv_input(im) for im in images])).softmax(1)
    categories = imagenet_categories()
    for path, p in zip(args.photos, probs, strict=True):
        values, indices = p.topk(args.top)
        guesses = ", ".join(
            f"{categories[i]} {v:.0%}"
            for v, i in zip(values.tolist(), indices.tolist(), strict=True)
        )
        print(f"{path}: {guesses}")
    return 0


def count_coins(argv: list[str]) -> int:
    """Count coins on a plain background and save the picture with each one outlined."""
    parser = argparse.ArgumentParser(
        prog="python -m week12_opencv count-coins",
        description="Count bright coins on a darker, plain background (top-hat + Otsu + contours).",
    )
    parser.add_argument("image", type=Path, help="the picture (any format OpenCV reads)")
    parser.add_argument("--out", type=Path, required=True, help="outlined picture (.png or .jpg)")
    args = parser.parse_args(argv)

    try:
        grey = read_image(args.image, grey=True)
        coins = find_coins(grey)
        write_image(args.out, outline(grey, coins))
    except (OSError, ValueError) as exc:
        return command_error(str(exc))
    print(f"{args.image}: {len(coins)} coins; outlined in {args.out}")
    return 0

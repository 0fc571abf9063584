"""CPU milliseconds per 224 px image of each pretrained CNN family in week 11's zoo.

Every family whose weights are at hand (the registry's MobileNetV2 and EfficientNet-Lite0, and
ResNet / EfficientNet-B0 / VGG files in the weights folder, week11_transfer_learning/zoo.py) runs
one image at a time; the best of the timed passes is recorded, the one least slowed by other
processes. Weights do not change speed, so a family with no file is timed with random weights
and the JSON says which. Writes reports/bench.json["week11_zoo"].
"""

from __future__ import annotations

import torch

from shared.bench import record
from shared.registry import fetch
from week11_transfer_learning.zoo import (
    FAMILIES,
    cpu_latency_ms,
    load,
    parameter_count,
    weights_dir,
    weights_for,
)

REPEATS = 30


def main() -> None:
    """Time every family of the zoo and record its CPU latency and parameter count."""
    results: dict = {
        "repeats": REPEATS,
        "image_size": 224,
        "torch_threads": torch.get_num_threads(),
    }
    for name, family in FAMILIES.items():
        try:
            weights, which = weights_for(family, fetch, weights_dir()), "ImageNet"
        except FileNotFoundError:
            weights, which = None, "random (no weights file; speed is the same)"
        model = load(family, weights)
        ms = cpu_latency_ms(model, REPEATS)
        results[name] = {
            "ms_per_image": ms,
            "params_m": parameter_count(model) / 1e6,
            "weights": which,
        }
        print(f"{family.title}: {ms:.1f} ms/image ({which} weights)")
    path = record("week11_zoo", results)
    print(f"results in {path}")


if __name__ == "__main__":
    main()

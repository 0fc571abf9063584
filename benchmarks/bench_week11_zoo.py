"""CPU milliseconds per 224 px image (one thread) of each pretrained CNN family in week 11's zoo.

Every family whose weights are at hand (the registry's MobileNetV2 and EfficientNet-Lite0, and
ResNet / EfficientNet-B0 / VGG files in the weights folder, week11_transfer_learning/zoo.py) runs
one image at a time on one thread, taking turns so each meets the same load; the best of the
timed passes, the one least slowed by other processes, is recorded. Weights do not change
speed, so a family with no file is timed with random weights and the JSON says which.
Writes reports/bench.json["week11_zoo"].
"""

from __future__ import annotations

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
        "threads": 1,
    }
    models, which = {}, {}
    for name, family in FAMILIES.items():
        try:
            weights, which[name] = weights_for(family, fetch, weights_dir()), "ImageNet weights"
        except FileNotFoundError:
            weights, which[name] = None, "random weights (no file; speed is the same)"
        models[name] = load(family, weights)
    for name, ms in cpu_latency_ms(models, REPEATS).items():
        results[name] = {
            "ms_per_image": ms,
            "params_m": parameter_count(models[name]) / 1e6,
            "weights": which[name],
        }
        print(f"{FAMILIES[name].title}: {ms:.1f} ms/image, {which[name]}")
    path = record("week11_zoo", results)
    print(f"results in {path}")


if __name__ == "__main__":
    main()

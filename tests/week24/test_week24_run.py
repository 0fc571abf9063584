"""`python -m week24_deploy --fast`: every format reloads, ONNX matches, the site builds."""

from __future__ import annotations

from collections.abc import Callable


def test_fast_run_meets_every_bar(fast_run: Callable[..., dict]) -> None:
    doc = fast_run("week24_deploy")
    formats = doc["projects"]["model_formats"]
    for bar in formats["bars"] + doc["projects"]["portfolio"]["bars"]:
        assert bar["passed"], bar
    metrics = formats["metrics"]
    # The exported models still do their job: better than chance on real inputs.
    assert metrics["week10_cnn_onnx_accuracy"] > 0.3
    assert metrics["week13_mask_classifier_onnx_accuracy"] > 0.5
    assert metrics["week17_lstm_onnx_rmse_degc"] < 5.0
    assert (
        doc["projects"]["portfolio"]["metrics"]["pages"]
        >= doc["projects"]["portfolio"]["metrics"]["weeks"]
    )

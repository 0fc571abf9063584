"""The three PyTorch models week 24 exports, each built by its own week and fed real inputs.

- week 10's CNN (`week10_cnn.recipes.build_model`, the Fashion-MNIST recipe), trained
  here for one short epoch with the shared Trainer: the export, not the accuracy, is the lesson;
- week 13's face-mask classifier: the pretrained Keras MobileNetV2 ported to PyTorch
  (`week13_cv_advanced.keras_port`), fed week 13's generated faces, bare and with painted masks;
- week 17's direct LSTM (`week17_ts_deep.forecasting.train`) on Melbourne's daily minimum
  temperatures, fed the test year's 30-day windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from shared.context import RunContext
from shared.training import Trainer
from shared.vision import load_fashion_mnist


@dataclass(frozen=True)
class Config:
    """The subjects' sizes: FULL for the report, FAST for the smoke run (seconds)."""

    cnn_train_images: int = 12000
    cnn_test_images: int = 2000
    mask_people: int = 16  # generated people, each bare and masked
    lstm_epochs: int = 4
    lstm_train_origins: int | None = None  # the latest training windows (None: all)


FULL = Config()
FAST = Config(
    cnn_train_images=2048,
    cnn_test_images=200,
    mask_people=2,
    lstm_epochs=1,
    lstm_train_origins=300,
)


@dataclass
class Subject:
    """A trained model, an empty twin to load saved weights into, and real inputs for it."""

    name: str
    title: str
    model: nn.Module
    build: Callable[[], nn.Module]
    inputs: np.ndarray
    input_spec: str
    weights: str
    data: str
    score: Callable[[np.ndarray], dict[str, float]]


def cnn_subject(ctx: RunContext) -> Subject:
    """Week 10's Fashion-MNIST CNN, one epoch on a slice of the training set; test images in."""
    from week10_cnn.images import image_datasets
    from week10_cnn.recipes import RECIPES, build_model

    config = FAST if ctx.fast else FULL
    data = load_fashion_mnist(ctx.dataset)
    n_train, n_test = config.cnn_train_images, config.cnn_test_images
    train, _, test = image_datasets(data, n_train, 1000, None)
    recipe = RECIPES["fashion_mnist"]

    def build() -> nn.Module:
        return build_model(recipe, 1, len(data.classes))

    model = build()
    trainer = Trainer(
        model,
        torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4),
        nn.CrossEntropyLoss(),
        device=ctx.device,
        desc="week 10 CNN",
    )
    generator = torch.Generator().manual_seed(ctx.seed)
    trainer.fit(DataLoader(train, batch_size=128, shuffle=True, generator=generator), epochs=1)
    x = test.images[:n_test].numpy()
    labels = data.y_test[:n_test]
    return Subject(
        name="week10_cnn",
        title="Week 10 CNN (Fashion-MNIST)",
        model=trainer.model.cpu().eval(),
        build=build,
        inputs=np.ascontiguousarray(x, dtype=np.float32),
        input_spec="(batch, 1, 28, 28) float32: 28x28 grey images standardised with the "
        "training mean and std; output (batch, 10) class logits",
        weights=f"trained here: one epoch on {n_train:,} Fashion-MNIST training images",
        data=f"the first {n_test:,} Fashion-MNIST test images",
        score=lambda logits: {"accuracy": float((logits.argmax(1) == labels).mean())},
    )


def mask_subject(ctx: RunContext) -> Subject:
    """Week 13's pretrained Keras mask classifier (ported), on generated faces, bare and masked."""
    from week13_cv_advanced.dcgan import load_generator
    from week13_cv_advanced.keras_port import keras_preprocess, load_keras_mask_classifier
    from week13_cv_advanced.mask_set import face_set
    from week22_capstone.mask.export import INPUT_SPEC

    config = FAST if ctx.fast else FULL
    h5 = ctx.dataset("keras_mask_classifier")
    people = config.mask_people
    faces, labels = face_set(load_generator(ctx.dataset("dcgan_face_generator")), people, ctx.seed)
    x = keras_preprocess(list(faces)).numpy()
    return Subject(
        name="week13_mask_classifier",
        title="Week 13 face-mask classifier (Keras MobileNetV2 port)",
        model=load_keras_mask_classifier(h5).eval(),
        build=lambda: load_keras_mask_classifier(h5),
        inputs=np.ascontiguousarray(x, dtype=np.float32),
        input_spec=INPUT_SPEC,
        weights="pretrained: the Keras face-mask MobileNetV2 (registry keras_mask_classifier), "
        "read from HDF5 and ported to PyTorch by week 13",
        data=f"{len(labels)} faces of {people} DCGAN-generated people, each bare and with a "
        "painted mask (week 13's construction)",
        score=lambda logits: {"accuracy": float((logits.argmax(1) == labels).mean())},
    )


def lstm_subject(ctx: RunContext) -> Subject:
    """Week 17's direct LSTM (7 days ahead), briefly trained; the test year's windows in."""
    from week17_ts_deep.forecasting import Setup, one_torch_thread, train
    from week17_ts_deep.melbourne_lstm import HORIZON, SETUP, load_melbourne
    from week17_ts_deep.models import RecurrentForecaster

    config = FAST if ctx.fast else FULL
    mel = load_melbourne()
    setup = Setup(**{**SETUP.__dict__, "epochs": config.lstm_epochs})
    train_origins, val_origins = mel.fit_origins(setup.window)
    if config.lstm_train_origins is not None:
        train_origins = train_origins[-config.lstm_train_origins :]
    with one_torch_thread():
        trainer, _ = train(
            "lstm", mel.data, HORIZON, (train_origins, val_origins), setup, ctx.seed, ctx.device
        )
    origins = list(range(mel.test_start, len(mel.series) - HORIZON + 1))
    x, y = mel.data.windows(origins, setup.window, HORIZON)
    n_features = mel.data.features.shape[1]

    def build() -> nn.Module:
        return RecurrentForecaster("lstm", n_features, HORIZON, setup.hidden, setup.layers)

    def score(scaled: np.ndarray) -> dict[str, float]:
        error = mel.data.to_units(scaled) - mel.data.to_units(y)
        return {"rmse_degc": float(np.sqrt(np.mean(error**2)))}

    return Subject(
        name="week17_lstm",
        title="Week 17 LSTM forecaster (Melbourne minimum temperature)",
        model=trainer.model.cpu().eval(),
        build=build,
        inputs=np.ascontiguousarray(x, dtype=np.float32),
        input_spec=f"(batch, {setup.window}, {n_features}) float32: {setup.window} past days of "
        "the scaled temperature anomaly and the day-of-year clock; output (batch, "
        f"{HORIZON}) scaled anomalies for the next {HORIZON} days",
        weights=f"trained here with week 17's recipe for {setup.epochs} epoch(s)",
        data=f"the {len(origins)} test-year forecast origins of daily_min_temperatures",
        score=score,
    )


SUBJECTS = {"week10_cnn": cnn_subject, "week13_mask": mask_subject, "week17_lstm": lstm_subject}

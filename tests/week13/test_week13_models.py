"""Week 13: the Keras HDF5 -> PyTorch port, the DCGAN generator, and the painted-mask set."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from shared.registry import default_registry
from week13_cv_advanced.dcgan import generate_faces, load_generator
from week13_cv_advanced.keras_port import (
    keras_layer_names,
    keras_preprocess,
    load_keras_mask_classifier,
)
from week13_cv_advanced.masks import SHAPES, build_mask_set, mask_outline

# Recorded once from the port (PyTorch 2.14.1): logits for the gradient image below. A port that
# mislays a transpose, a padding or the BN epsilon moves these by far more than the tolerance.
GRADIENT_LOGITS = [0.6541709, 1.2735599]


@pytest.fixture(scope="module")
def keras_model() -> torch.nn.Module:
    return load_keras_mask_classifier(default_registry().fetch("keras_mask_classifier"))


@pytest.fixture(scope="module")
def generator():
    return load_generator(default_registry().fetch("dcgan_face_generator"))


def gradient_image() -> np.ndarray:
    """A known 224x224 input: red rises left to right, green top to bottom, blue constant."""
    image = np.zeros((224, 224, 3), np.uint8)
    image[..., 0] = np.arange(224)[None, :]
    image[..., 1] = np.arange(224)[:, None]
    image[..., 2] = 128
    return image


def test_port_reproduces_recorded_logits_on_a_known_input(keras_model) -> None:
    with torch.inference_mode():
        logits = keras_model(keras_preprocess([gradient_image()]))[0]
    np.testing.assert_allclose(logits.numpy(), GRADIENT_LOGITS, atol=1e-4)


def test_port_stem_equals_a_numpy_convolution_of_the_hdf5_kernel(keras_model) -> None:
    """Keras pads stride-2 convolutions bottom/right only; the port must do the same."""
    with h5py.File(default_registry().fetch("keras_mask_classifier"), "r") as f:
        kernel = np.asarray(f["model_weights/Conv1/Conv1/kernel:0"])  # (3, 3, 3, 32)
    x = keras_preprocess([gradient_image()])
    padded = np.pad(x[0].permute(1, 2, 0).numpy(), ((0, 1), (0, 1), (0, 0)))
    expected = sum(
        np.einsum("hwc,co->hwo", padded[i : i + 223 : 2, j : j + 223 : 2], kernel[i, j])
        for i in range(3)
        for j in range(3)
    )
    with torch.inference_mode():
        ours = keras_model.features[0][0](x)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ours, expected, atol=1e-4)


def test_port_reads_every_keras_layer_with_keras_epsilon(keras_model) -> None:
    with h5py.File(default_registry().fetch("keras_mask_classifier"), "r") as f:
        stored = set(f["model_weights"].attrs["layer_names"].astype(str))
    assert set(keras_layer_names()) <= stored and {"dense", "dense_1"} <= stored
    bns = [m for m in keras_model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(bns) == 52 and all(bn.eps == 1e-3 for bn in bns)


def test_generator_makes_varied_faces_repeatably(generator) -> None:
    faces = generate_faces(generator, 4, seed=3)
    assert faces.shape == (4, 64, 64, 3) and faces.dtype == np.uint8
    np.testing.assert_array_equal(faces, generate_faces(generator, 4, seed=3))
    assert np.abs(faces[0].astype(int) - faces[1]).mean() > 10
    assert 40 < faces.mean() < 215


def test_keras_model_tells_a_bare_face_from_a_painted_mask(keras_model, generator) -> None:
    """The ported model was trained on real masked photos; it must agree with the painting."""
    import cv2

    faces = generate_faces(generator, 6, seed=0)
    big = np.stack([cv2.resize(f, (128, 128), interpolation=cv2.INTER_CUBIC) for f in faces])
    images, labels = build_mask_set(big, seed=0)
    with torch.inference_mode():
        predicted = keras_model(keras_preprocess(list(images))).argmax(dim=1).numpy()
    assert (predicted == labels).mean() >= 0.8


def test_mask_set_is_balanced_and_masks_stay_in_the_lower_face() -> None:
    faces = np.full((5, 128, 128, 3), 128, np.uint8)
    images, labels = build_mask_set(faces, seed=1)
    assert images.shape == (10, 128, 128, 3) and labels.tolist() == [0, 1] * 5
    np.testing.assert_array_equal(images[1::2], faces)
    changed = (images[0::2] != faces).any(axis=(0, 3))
    assert changed[:50].mean() < 0.05 and changed[80:].mean() > 0.3
    rng = np.random.default_rng(0)
    for shape in SHAPES:
        outline = mask_outline(shape, rng)
        assert outline[:, 1].min() > 0.4 and outline[:, 0].min() > 0.05

"""The DCGAN face generator: strict checkpoint load, seeded determinism, truncation, interpolation."""

from __future__ import annotations

import pytest
import torch

from shared.registry import fetch
from week20_genai_multimodal.dcgan import (
    Generator,
    generate_faces,
    interpolate,
    load_generator,
    sample_latents,
)


@pytest.fixture(scope="module")
def generator() -> Generator:
    return load_generator(fetch("dcgan_face_generator"))


def test_checkpoint_loads_strictly_with_the_package_layer_names() -> None:
    checkpoint = torch.load(fetch("dcgan_face_generator"), map_location="cpu", weights_only=True)
    state = checkpoint["netG_state_dict"]
    model = Generator()
    assert set(model.state_dict()) == set(state)
    model.load_state_dict(state, strict=True)


def test_faces_are_images_in_unit_range_and_repeat_by_seed(generator: Generator) -> None:
    faces = generate_faces(generator, 4, seed=7)
    assert faces.shape == (4, 3, 64, 64)
    assert faces.min() >= 0.0 and faces.max() <= 1.0
    assert faces.std() > 0.05
    assert torch.equal(faces, generate_faces(generator, 4, seed=7))
    assert not torch.equal(faces, generate_faces(generator, 4, seed=8))


def test_truncation_bounds_every_latent_component() -> None:
    z = sample_latents(64, seed=0, truncation=0.5)
    assert z.abs().max() <= 0.5
    assert torch.equal(z, sample_latents(64, seed=0, truncation=0.5))
    with pytest.raises(ValueError, match="truncation"):
        sample_latents(1, seed=0, truncation=0.0)


def test_interpolation_starts_and_ends_at_the_two_seeds(generator: Generator) -> None:
    path = interpolate(generator, 1, 2, steps=5)
    assert path.shape == (5, 3, 64, 64)
    assert torch.allclose(path[0], generate_faces(generator, 1, seed=1)[0], atol=1e-5)
    assert torch.allclose(path[-1], generate_faces(generator, 1, seed=2)[0], atol=1e-5)

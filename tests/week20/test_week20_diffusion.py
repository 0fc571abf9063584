"""The diffusion model: sampling reproducible from (prompt, seed, guidance, steps); save/load."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from shared.vision import FASHION_MNIST_CLASSES
from week20_genai_multimodal.diffusion import (
    WEIGHTS,
    TextToImage,
    TrainConfig,
    UNetConfig,
    build_unet,
    load_pipeline,
    save_pipeline,
    train,
)
from week20_genai_multimodal.prompts import UnknownClassError
from week20_genai_multimodal.schedule import NoiseSchedule

pytest.importorskip("diffusers")
TINY = UNetConfig(channels=(8, 16, 16), groups=4)


@pytest.fixture(scope="module")
def pipe() -> TextToImage:
    torch.manual_seed(0)
    return TextToImage(build_unet(TINY).eval(), NoiseSchedule(), FASHION_MNIST_CLASSES)


def test_generation_is_reproducible_from_prompt_seed_guidance_steps(pipe: TextToImage) -> None:
    image = pipe.generate("a red dress", seed=5, guidance=2.0, steps=3)
    assert image.shape == (1, 3, 28, 28) and image.min() >= 0 and image.max() <= 1
    assert torch.equal(image, pipe.generate("a red dress", seed=5, guidance=2.0, steps=3))
    assert not torch.equal(image, pipe.generate("a red dress", seed=6, guidance=2.0, steps=3))
    assert not torch.equal(image, pipe.generate("a red dress", seed=5, guidance=4.0, steps=3))


def test_unknown_class_in_a_prompt_is_a_clear_error(pipe: TextToImage) -> None:
    with pytest.raises(UnknownClassError, match="Sneaker"):
        pipe.generate("a spaceship", seed=0, steps=2)


def test_saved_pipeline_reloads_with_identical_samples(pipe: TextToImage, tmp_path: Path) -> None:
    folder = save_pipeline(pipe, tmp_path / "t2i", {"note": "test"})
    loaded = load_pipeline(folder)
    before = pipe.generate("a sneaker", seed=1, steps=3)
    assert torch.equal(before, loaded.generate("a sneaker", seed=1, steps=3))
    (folder / WEIGHTS).write_bytes((folder / WEIGHTS).read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(ValueError, match="sha256"):
        load_pipeline(folder)
    with pytest.raises(FileNotFoundError, match="text_to_image"):
        load_pipeline(tmp_path / "missing")


def test_a_few_training_steps_lower_the_loss() -> None:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    images = torch.rand(64, 1, 28, 28, generator=g).mul(2).sub(1)
    labels = torch.randint(0, 10, (64,), generator=g)
    config = TrainConfig(steps=30, batch_size=16, lr=3e-3)
    _, losses = train(build_unet(TINY), NoiseSchedule(), images, labels, config, seed=0)
    assert len(losses) == 30
    assert sum(losses[-10:]) < sum(losses[:10])

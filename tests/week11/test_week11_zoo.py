"""Week 11's zoo: the EfficientNet-Lite0 registry weights, the folder loader, the zoo's fast run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import shared.mirrors
from shared.registry import default_registry, sha256_of
from week11_transfer_learning.efficientnet_lite import EfficientNetLite0
from week11_transfer_learning.pretrained import imagenet_transform, read_sample_photos
from week11_transfer_learning.zoo import (
    FAMILIES,
    WEIGHTS_DIR_ENV,
    Renormalize,
    load,
    parameter_count,
    weights_in_folder,
)


def _save_as_torchvision_names_it(model: torch.nn.Module, stem: str, folder: Path) -> Path:
    """Save a state dict as `<stem>-<sha256 prefix>.pth`, the way torchvision names its files."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "state.tmp"
    torch.save(model.state_dict(), tmp)
    return tmp.rename(folder / f"{stem}-{sha256_of(tmp)[:8]}.pth")


def test_lite0_registry_weights_load_strictly_and_name_the_sample_photos() -> None:
    registry = default_registry()
    path = registry.fetch("efficientnet_lite0_imagenet")
    assert sha256_of(path) == registry.entry("efficientnet_lite0_imagenet").sha256
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert len(state) == 296
    bare = EfficientNetLite0()
    bare.load_state_dict(state, strict=True)
    assert parameter_count(bare) == 4_652_008
    photos = read_sample_photos(registry.fetch("foolbox_samples"))
    x = torch.stack([imagenet_transform()(p.image) for p in photos])
    labels = torch.tensor([p.label for p in photos])
    with torch.inference_mode():
        top5 = load(FAMILIES["efficientnet_lite0"], path)(x).topk(5, dim=1).indices
    assert (top5[:, 0] == labels).float().mean() >= 0.7  # published top-1: 75.1%
    assert (top5 == labels[:, None]).any(1).float().mean() >= 0.85


def test_renormalize_feeds_lite0_the_inputs_it_was_trained_on() -> None:
    """ImageNet-normalised in, TensorFlow lite's (x - 127) / 128 on 0-255 pixels out."""
    family = FAMILIES["efficientnet_lite0"]
    pixels = torch.rand(2, 3, 8, 8)

    def normalised(mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
        return (pixels - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)

    imagenet = normalised((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    expected = (pixels * 255 - 127) / 128
    torch.testing.assert_close(normalised(family.mean, family.std), expected)
    torch.testing.assert_close(Renormalize(family.mean, family.std)(imagenet), expected)


@pytest.mark.parametrize(
    "name", [n for n, f in FAMILIES.items() if f.registry is None and n != "vgg16"]
)
def test_folder_loader_round_trips_random_weights(name: str, tmp_path) -> None:
    """No registry ships these weights, so the loader is checked on random ones: same outputs.

    VGG-16 goes through the same code; its 138M random parameters take ~20 s to build on two
    cores, so it is left out here.
    """
    family = FAMILIES[name]
    torch.manual_seed(0)
    original = family.build().eval()
    saved = _save_as_torchvision_names_it(original, family.stem, tmp_path)
    assert weights_in_folder(family, tmp_path) == saved
    x = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        torch.testing.assert_close(load(family, saved)(x), original(x), rtol=0, atol=0)
        pooled = load(family, saved, features_only=True)(x)
    assert pooled.shape[0] == 2 and pooled.shape[1] in (512, 1280, 2048)


def test_folder_loader_explains_a_missing_or_corrupt_file(tmp_path) -> None:
    family = FAMILIES["resnet18"]
    with pytest.raises(FileNotFoundError, match=r"resnet18-f37072fd\.pth.*ML_ROADMAP_TORCH"):
        weights_in_folder(family, tmp_path)
    (tmp_path / family.weights_file).write_bytes(b"not the weights")
    with pytest.raises(ValueError, match="corrupt or not what its name says"):
        weights_in_folder(family, tmp_path)


def test_every_family_head_is_its_imagenet_classifier() -> None:
    for family in FAMILIES.values():
        if family.name == "vgg16":  # too slow to build here; torchvision's classifier[6]
            continue
        head = family.build().get_submodule(family.head)
        assert isinstance(head, torch.nn.Linear) and head.out_features == 1000, family.name


def test_fast_zoo_run_compares_registry_and_folder_families(fast_run, monkeypatch, tmp_path):
    """Both registry families, plus ResNet-18 read from the weights folder (random weights)."""
    monkeypatch.setattr(shared.mirrors, "_url_download", _no_website)
    torch.manual_seed(0)
    folder = tmp_path / "weights"
    _save_as_torchvision_names_it(FAMILIES["resnet18"].build(), "resnet18", folder)
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(folder))
    project = fast_run("week11_transfer_learning", "--project", "zoo")["projects"]["zoo"]
    metrics = project["metrics"]
    assert metrics["families"] == 3
    for name in ("mobilenet_v2", "efficientnet_lite0"):
        assert metrics[f"{name}_top5"] >= 0.8
        assert metrics[f"{name}_transfer_accuracy"] > 0.3  # chance: 0.1 (10 classes)
        assert metrics[f"{name}_latency_ms"] > 0
    assert metrics["resnet18_params_m"] == pytest.approx(11.69, abs=0.01)
    assert metrics["resnet18_top1"] < metrics["mobilenet_v2_top1"]  # random weights know nothing
    assert project["info"]["resnet18_weights"].startswith("resnet18-")


def _no_website(mirror, workdir):
    raise shared.mirrors.MirrorError("tests never download from websites")

"""Week 11: registry weights, sample photos, the flower-photos format, Grad-CAM, fast run."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.models import mobilenet_v2

import shared.mirrors
from shared.registry import Registry, default_registry, sha256_of
from week11_transfer_learning.flowers import flower_photos
from week11_transfer_learning.gradcam import deletion_drop, grad_cam
from week11_transfer_learning.low_data import low_data_split
from week11_transfer_learning.pretrained import (
    imagenet_categories,
    load_mobilenet_v2,
    read_sample_photos,
)


def test_registry_weight_file_matches_its_sha256_and_loads_strictly() -> None:
    registry = default_registry()
    path = registry.fetch("mobilenet_v2_imagenet")
    assert sha256_of(path) == registry.entry("mobilenet_v2_imagenet").sha256
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert (
        len(state) == 314 and sum(v.numel() for k, v in state.items() if "running" not in k) > 3.4e6
    )
    mobilenet_v2().load_state_dict(state, strict=True)


def test_sample_photos_are_labelled_imagenet_images() -> None:
    photos = read_sample_photos(default_registry().fetch("foolbox_samples"))
    assert len(photos) == 20 and all(0 <= p.label < 1000 for p in photos)
    assert photos[0].image.mode == "RGB" and min(photos[0].image.size) >= 224
    assert len(imagenet_categories()) == 1000 and imagenet_categories()[243] == "bull mastiff"


def _flower_archive(path, classes=("daisy", "roses"), per_class: int = 3) -> None:
    """A tiny archive in the real flower_photos layout: flower_photos/<class>/*.jpg, LICENSE.txt."""

    def add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))

    with tarfile.open(path, "w:gz") as tf:
        add(tf, "flower_photos/LICENSE.txt", b"CC-BY 2.0 photos\n")
        for c, name in enumerate(classes):
            for i in range(per_class):
                buf = io.BytesIO()
                Image.new("RGB", (40 + i, 30), (200 * c, 100, 50)).save(buf, format="JPEG")
                add(tf, f"flower_photos/{name}/{i}_photo.jpg", buf.getvalue())


def _fetch_as_flower_photos(archive: Path, cache: Path) -> Path:
    """Serve `archive` as the registry's flower_photos entry (a file:// url mirror); fetch it."""
    real = default_registry().entry("flower_photos")
    registry_file = cache.parent / "registry.toml"
    registry_file.write_text(
        f"[flower_photos]\ndescription = {json.dumps(real.description)}\n"
        f'license = "test photos"\nfolder = "{real.filename}"\n'
        f'sha256 = "{sha256_of(archive)}"\nsize = {archive.stat().st_size}\n'
        f'mirrors = [{{ kind = "url", spec = "{archive.as_uri()}" }}]\n'
    )
    return Registry(registry_file, cache=cache).fetch("flower_photos")


def test_flower_loader_reads_the_registry_folder_of_the_real_archive(tmp_path) -> None:
    archive = tmp_path / "flower_photos.tgz"
    _flower_archive(archive)
    folder = _fetch_as_flower_photos(archive, tmp_path / "cache")
    assert (folder / "flower_photos" / "LICENSE.txt").is_file()
    data = flower_photos(folder)
    assert data.classes == ["daisy", "roses"] and len(data) == 6
    image, target = data[5]
    assert image.size == (42, 30) and target == 1 and image.getpixel((5, 5))[0] > 150
    archive.unlink()  # unpacked once into the cache, reused from there
    again = Registry(tmp_path / "registry.toml", cache=tmp_path / "cache").fetch("flower_photos")
    assert again == folder and len(flower_photos(again)) == 6


def test_flower_loader_rejects_a_folder_of_another_layout(tmp_path) -> None:
    (tmp_path / "photos" / "daisy").mkdir(parents=True)
    with pytest.raises(ValueError, match="does not hold the flower_photos archive"):
        flower_photos(tmp_path / "photos")
    assert default_registry().entry("flower_photos").layout == "archive"


def test_low_data_split_is_disjoint_and_balanced() -> None:
    labels = np.repeat(np.arange(5), 40)
    train, val, test = low_data_split(labels, (10, 5, 20), seed=0)
    assert [len(train), len(val), len(test)] == [50, 25, 100]
    assert not (set(train) & set(val) or set(train) & set(test) or set(val) & set(test))
    assert np.bincount(labels[train]).tolist() == [10] * 5


def test_grad_cam_maps_are_normalised_and_faithful() -> None:
    torch.manual_seed(0)
    model = load_mobilenet_v2(None).eval()
    x = torch.randn(2, 3, 64, 64)
    cams, target = grad_cam(model, x)
    assert cams.shape == (2, 64, 64) and target.shape == (2,)
    assert cams.min() >= 0 and cams.max() <= 1 + 1e-6
    drop = deletion_drop(model, x, cams, target, fraction=1.0)  # blank everything
    with torch.no_grad():
        p_full = model(x).softmax(1).gather(1, target[:, None])[:, 0]
        p_blank = model(torch.zeros_like(x)).softmax(1).gather(1, target[:, None])[:, 0]
    torch.testing.assert_close(drop, p_full - p_blank)


def _no_website(mirror, workdir):
    raise shared.mirrors.MirrorError("tests never download from websites")


def test_fast_run_end_to_end(fast_run, monkeypatch) -> None:
    monkeypatch.setattr(shared.mirrors, "_url_download", _no_website)
    projects = fast_run("week11_transfer_learning")["projects"]
    assert projects["zero_shot"]["metrics"]["top5_accuracy"] >= 0.8
    transfer = projects["transfer"]["metrics"]
    assert transfer["feature_extraction_accuracy"] > 0.2  # chance is 0.1 (10 classes) or 0.2 (5)
    assert (
        projects["inside_the_cnn"]["metrics"]["deletion_drop_gradcam"]
        > projects["inside_the_cnn"]["metrics"]["deletion_drop_shifted"]
    )


def test_fast_transfer_runs_on_flower_photos_when_they_are_there(
    fast_run, monkeypatch, tmp_path
) -> None:
    from shared.context import RunContext

    archive = tmp_path / "data" / "flower_photos.tgz"
    archive.parent.mkdir()
    _flower_archive(archive, classes=("daisy", "roses", "tulips"), per_class=35)
    folder = _fetch_as_flower_photos(archive, tmp_path / "data" / "cache")
    real_dataset = RunContext.dataset

    def dataset(ctx: RunContext, name: str) -> Path:
        return folder if name == "flower_photos" else real_dataset(ctx, name)

    monkeypatch.setattr(RunContext, "dataset", dataset)
    metrics = fast_run("week11_transfer_learning", "--project", "transfer")["projects"]["transfer"][
        "metrics"
    ]
    assert 0.0 <= metrics["fine_tuned_accuracy"] <= 1.0
    assert (
        metrics["feature_extraction_accuracy"] > 0.5
    )  # three flat colours: easy for ImageNet features

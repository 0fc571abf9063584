"""The Oxford-IIIT Pet segmentation set (Parkhi et al. 2012), read from its two original archives.

`images.tar.gz` holds `images/<Breed>_<n>.jpg` (7,390 photos of 37 cat and dog breeds);
`annotations.tar.gz` holds `annotations/trimaps/<Breed>_<n>.png`, one trimap per photo (1 = pet,
2 = background, 3 = the uncertain border), and the split lists `annotations/trainval.txt` and
`annotations/test.txt` (`<name> <class 1-37> <species 1 cat / 2 dog> <breed id>` per line). The
archives also carry macOS `._` resource files next to the trimaps; they are skipped.

The archives live only on the authors' site (no package registry has them) and publish MD5
checksums only, so they are not registry entries: download them with a browser or `curl` from
`URLS`, check them with `check_md5`, and point `read_pets` at them. The week's default runs use
the scene set instead (scenes.py), which has masks of the same kind.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

URLS = {
    "images": "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz",
    "annotations": "https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz",
}
MD5 = {  # as published with torchvision.datasets.OxfordIIITPet
    "images": "5c4f3ee8e5d25df40f4fd59a7f44e54c",
    "annotations": "95a8c909bbe2e81eed6a22bccdf3f68f",
}
PET, BACKGROUND, BORDER = 1, 2, 3  # trimap values
IGNORE = 255  # mask value of border pixels: left out of the loss and of IoU


@dataclass(frozen=True)
class PetSet:
    """Images (N, size, size, 3) uint8, masks (N, size, size) uint8 (0/1/IGNORE), names, species."""

    images: np.ndarray
    masks: np.ndarray
    names: list[str]
    species: np.ndarray  # 1 = cat, 2 = dog


def check_md5(path: Path, which: str) -> None:
    """Raise ValueError unless `path` has the published MD5 of the `which` archive."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != MD5[which]:
        raise ValueError(
            f"{path} has MD5 {digest.hexdigest()}, not the published {MD5[which]}: "
            f"download it again from {URLS[which]}"
        )


def trimap_to_mask(trimap: np.ndarray) -> np.ndarray:
    """Map a trimap to a training mask: pet 1, background 0, border IGNORE."""
    values = set(np.unique(trimap).tolist())
    if not values <= {PET, BACKGROUND, BORDER}:
        raise ValueError(f"a trimap holds only 1, 2 and 3; this one holds {sorted(values)}")
    mask = np.zeros(trimap.shape, dtype=np.uint8)
    mask[trimap == PET] = 1
    mask[trimap == BORDER] = IGNORE
    return mask


def read_split(annotations_tar: Path, split: str) -> list[tuple[str, int]]:
    """Return (name, species) for every line of annotations/<split>.txt."""
    if split not in ("trainval", "test"):
        raise ValueError(f"split must be 'trainval' or 'test', not {split!r}")
    with tarfile.open(annotations_tar) as tar:
        member = f"annotations/{split}.txt"
        try:
            text = tar.extractfile(member).read().decode("utf-8")
        except KeyError:
            raise ValueError(
                f"{annotations_tar} has no {member}: is it annotations.tar.gz?"
            ) from None
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, species, _ = line.split()
            rows.append((name, int(species)))
    return rows


def read_members(archive: Path, wanted: dict[str, str]) -> dict[str, bytes]:
    """Stream through a tar.gz once and return the bytes of the `wanted` members (path -> key)."""
    found: dict[str, bytes] = {}
    with tarfile.open(archive, mode="r|gz") as tar:
        for member in tar:
            if member.name in wanted and member.isfile():
                found[wanted[member.name]] = tar.extractfile(member).read()
    return found


def read_pets(
    images_tar: Path, annotations_tar: Path, split: str, size: int, limit: int | None = None
) -> PetSet:
    """Read a split of the Pet set, each photo and mask resized to `size` x `size`.

    `limit` keeps the first `limit` names of the split (a quick look without reading 800 MB).
    """
    from PIL import Image

    rows = read_split(annotations_tar, split)[:limit]
    images_raw = read_members(images_tar, {f"images/{n}.jpg": n for n, _ in rows})
    trimaps_raw = read_members(
        annotations_tar, {f"annotations/trimaps/{n}.png": n for n, _ in rows}
    )
    missing = [n for n, _ in rows if n not in images_raw or n not in trimaps_raw]
    if missing:
        raise ValueError(
            f"{len(missing)} names of {split}.txt lack a photo or trimap: {missing[:3]}"
        )
    images, masks = [], []
    for name, _ in rows:
        image = Image.open(io.BytesIO(images_raw[name])).convert("RGB")
        images.append(np.array(image.resize((size, size), Image.Resampling.BILINEAR)))
        trimap = Image.open(io.BytesIO(trimaps_raw[name]))
        masks.append(
            trimap_to_mask(np.array(trimap.resize((size, size), Image.Resampling.NEAREST)))
        )
    species = np.array([s for _, s in rows], dtype=np.int64)
    return PetSet(np.stack(images), np.stack(masks), [n for n, _ in rows], species)


class PetSegmentation(Dataset):
    """Pet photos as (image (3, H, W) float in [0, 1], mask (H, W) int64 with IGNORE borders)."""

    def __init__(self, pets: PetSet) -> None:
        self.pets = pets

    def __len__(self) -> int:
        return len(self.pets.names)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = torch.from_numpy(self.pets.images[i]).permute(2, 0, 1).float().div(255)
        return image, torch.from_numpy(self.pets.masks[i].astype(np.int64))

"""The real flower-photos loader: TensorFlow's `flower_photos.tgz` in ImageFolder layout.

The archive holds `flower_photos/<class>/<photo>.jpg` for 5 classes (daisy, dandelion, roses,
sunflowers, tulips) and a LICENSE.txt. It is unpacked once, atomically, beside the cached
archive, then read with torchvision's ImageFolder.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from torchvision.datasets import ImageFolder


def extract_flower_photos(archive: Path, dest_dir: Path | None = None) -> Path:
    """Unpack the archive (once) and return its `flower_photos` folder of class folders."""
    archive = Path(archive)
    dest_dir = Path(dest_dir) if dest_dir else archive.parent
    root = dest_dir / "flower_photos"
    if root.is_dir():
        return root
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".extract-") as work:
        with tarfile.open(archive, "r:*") as tf:
            tf.extractall(work, filter="data")
        extracted = Path(work) / "flower_photos"
        if not extracted.is_dir() or not any(p.is_dir() for p in extracted.iterdir()):
            raise ValueError(
                f"{archive.name} is not the flower_photos archive: no flower_photos/<class>/ folders"
            )
        shutil.move(str(extracted), root)
    return root


def flower_photos(
    archive: Path, transform: Callable | None = None, dest_dir: Path | None = None
) -> ImageFolder:
    """Return the flower photos as an ImageFolder dataset (class names from the folder names)."""
    return ImageFolder(str(extract_flower_photos(archive, dest_dir)), transform=transform)

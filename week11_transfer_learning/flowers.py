"""The real flower-photos loader: TensorFlow's `flower_photos.tgz` in ImageFolder layout.

The registry entry `flower_photos` is an archive folder: shared.registry verifies the archive's
sha256 and unpacks it, once and atomically, into the cache. The folder it returns holds
`flower_photos/<class>/<photo>.jpg` for 5 classes (daisy, dandelion, roses, sunflowers, tulips)
and `flower_photos/LICENSE.txt`; the photos are read with torchvision's ImageFolder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from torchvision.datasets import ImageFolder


def class_folders(folder: Path) -> Path:
    """Return the `flower_photos` folder of class folders inside the registry's unpacked folder."""
    root = Path(folder) / "flower_photos"
    if not root.is_dir() or not any(p.is_dir() for p in root.iterdir()):
        raise ValueError(
            f"{folder} does not hold the flower_photos archive's flower_photos/<class>/ folders; "
            "pass the folder that ctx.dataset('flower_photos') returns"
        )
    return root


def flower_photos(folder: Path, transform: Callable | None = None) -> ImageFolder:
    """Return the flower photos as an ImageFolder dataset (class names from the folder names)."""
    return ImageFolder(str(class_folders(folder)), transform=transform)

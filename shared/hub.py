"""The one way hub-style libraries (transformers, sentence-transformers) load weights here.

Pretrained weights come only from registry folder entries (see datasets/registry.toml), never
from a model hub at run time: `load_pretrained` puts the process in Hugging Face offline mode
and passes `local_files_only=True`, so a missing file fails loudly instead of downloading.
transformers is imported by the caller, not here, so `import shared.hub` stays light.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any  # for transformers classes and models, never imported here

from shared.paths import cache_dir
from shared.registry import DatasetError

OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def go_offline() -> None:
    """Switch the Hugging Face libraries of this process to offline mode (no hub requests).

    huggingface_hub reads HF_HUB_OFFLINE once, when it is first imported, so when it already
    is its flag is set as well.
    """
    os.environ.update(OFFLINE_ENVIRONMENT)
    constants: Any = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True


def load_pretrained(cls: Any, folder: Path, **kwargs: Any) -> Any:
    """Return `cls.from_pretrained(folder)` from a local registry folder, offline only.

    `cls` is any class with a Hugging Face style `from_pretrained` (AutoModel, AutoTokenizer,
    BertForSequenceClassification, ...); `folder` is what `ctx.dataset(name)` returned.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(
            f"no pretrained model folder at {folder} ({_entry_hint(folder)}). Weights load only "
            "from registry folder entries: pass the folder that ctx.dataset(name) or "
            "shared.registry.fetch(name) returns."
        )
    go_offline()
    return cls.from_pretrained(str(folder), local_files_only=True, **kwargs)


def _entry_hint(folder: Path) -> str:
    """Name the registry entry a cache path belongs to, when it is inside the cache."""
    try:
        name = folder.resolve().relative_to(cache_dir().resolve()).parts[0]
    except (ValueError, IndexError):
        return "not inside the registry cache " + str(cache_dir())
    return f"registry entry {name!r}: fetch it first"

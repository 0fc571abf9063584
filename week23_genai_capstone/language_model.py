"""Which chat model the apps talk to: SmolLM2 from the registry, or a folder named by the user.

The apps drive a model through shared/llm.py. By default that is SmolLM2-135M-Instruct (the
registry's GGUF folder); `WEEK23_CHAT_MODEL` (or `--model`) may name another folder: a GGUF
folder of the same kind, or a `save_pretrained` folder (config.json + weights + tokenizer),
which is how the tests run the routes on a tiny randomly initialised Llama in seconds.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.llm import GGUF_FILE, REGISTRY_NAME

MODEL_ENV = "WEEK23_CHAT_MODEL"
SMOLLM2 = "SmolLM2-135M-Instruct (GGUF Q4_1, dequantized to float32)"


@dataclass(frozen=True)
class ChatModel:
    """A causal language model, its tokenizer, and a name to record with what it writes."""

    model: Any
    tokenizer: Any
    name: str


def model_folder(folder: Path | str | None = None) -> Path:
    """The folder to load: `folder`, else $WEEK23_CHAT_MODEL, else the registry's SmolLM2."""
    named = folder or os.environ.get(MODEL_ENV, "").strip()
    if named:
        return Path(named)
    from shared.registry import fetch

    return fetch(REGISTRY_NAME)


def load_chat(folder: Path | str | None = None, device: str = "cpu") -> ChatModel:
    """Load the chat model of `model_folder(folder)` on `device`, once per process."""
    from shared.devices import resolve_device

    return _load(str(model_folder(folder).resolve()), resolve_device(device))


@functools.cache
def _load(folder: str, device: str) -> ChatModel:
    """A GGUF folder goes through shared.llm; a save_pretrained folder through shared.hub."""
    path = Path(folder)
    if (path / GGUF_FILE).is_file():
        from shared.llm import load_chat_model

        model, tokenizer = load_chat_model(path, device)
        return ChatModel(model, tokenizer, SMOLLM2)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path} is no chat model folder: it holds neither {GGUF_FILE} nor config.json "
            f"(unset {MODEL_ENV} to use the registry's SmolLM2)"
        )
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from shared.hub import load_pretrained

    model = load_pretrained(AutoModelForCausalLM, path).to(device).eval()
    return ChatModel(model, load_pretrained(AutoTokenizer, path), path.name)

"""Which chat model the apps talk to, and how the service has it write an answer it can stop.

The apps drive a model through shared/llm.py. By default that is SmolLM2-135M-Instruct (the
registry's GGUF folder); `WEEK23_CHAT_MODEL` (or `--model`) may name another folder: a GGUF
folder of the same kind, or a `save_pretrained` folder (config.json + weights + tokenizer),
which is how the tests run the routes on a tiny randomly initialised Llama in seconds.
`Generation` is how the chat service writes an answer: shared.llm's `generate()` in a thread,
read through a `TextIteratorStreamer`, stopped by a flag as soon as nobody waits for it.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import llm
from shared.llm import GGUF_FILE, REGISTRY_NAME, Message

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


def check_model_folder(path: Path) -> None:
    """Raise FileNotFoundError unless `path` holds a GGUF chat model or a save_pretrained one."""
    if not ((path / GGUF_FILE).is_file() or (path / "config.json").is_file()):
        raise FileNotFoundError(
            f"{path} is no chat model folder: it holds neither {GGUF_FILE} nor config.json "
            f"(unset {MODEL_ENV} to use the registry's SmolLM2)"
        )


@functools.cache
def _load(folder: str, device: str) -> ChatModel:
    """A GGUF folder goes through shared.llm; a save_pretrained folder through shared.hub."""
    path = Path(folder)
    check_model_folder(path)
    if (path / GGUF_FILE).is_file():
        from shared.llm import load_chat_model

        model, tokenizer = load_chat_model(path, device)
        return ChatModel(model, tokenizer, SMOLLM2)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from shared.hub import load_pretrained

    model = load_pretrained(AutoModelForCausalLM, path).to(device).eval()
    return ChatModel(model, load_pretrained(AutoTokenizer, path), path.name)


class Generation(llm.Generation):
    """One greedy answer of `chat` to `prompt`, written by shared.llm's `Generation`.

    The thread waits for `lock` (one answer at a time), then decodes greedily with
    `model.generate()` into a `TextIteratorStreamer`; `cancel()` stops it between two tokens, or
    before it starts when still queued, and frees the lock at once: a reader that stops reading
    never keeps the model. Only a `completed` answer is worth storing.
    """

    def __init__(
        self, chat: ChatModel, prompt: list[Message], max_new_tokens: int, lock: threading.Lock
    ) -> None:
        self.chat = chat
        ids = llm.prompt_ids(chat.tokenizer, prompt)
        super().__init__(chat.model, chat.tokenizer, ids, max_new_tokens, lock)

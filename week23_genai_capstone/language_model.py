"""Which chat model the apps talk to, and how the service has it write an answer it can stop.

The apps drive a model through shared/llm.py. By default that is SmolLM2-135M-Instruct (the
registry's GGUF folder); `WEEK23_CHAT_MODEL` (or `--model`) may name another folder: a GGUF
folder of the same kind, or a `save_pretrained` folder (config.json + weights + tokenizer),
which is how the tests run the routes on a tiny randomly initialised Llama in seconds.
`Generation` is how the chat service writes an answer: transformers' `generate()` in a thread,
read through a `TextIteratorStreamer`, stopped by a flag as soon as nobody waits for it.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.llm import GGUF_FILE, REGISTRY_NAME, Message, prompt_ids, stop_token_ids

MODEL_ENV = "WEEK23_CHAT_MODEL"
LOCK_POLL_S = 0.1  # how often a queued answer checks whether it was cancelled
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


class Generation:
    """One answer written by `model.generate()` in a thread of its own, which can be stopped.

    The thread waits for `lock` (one answer at a time), then decodes greedily into a
    `TextIteratorStreamer`; `pieces` reads the text as it comes. `cancel()` (a client that left,
    a service shutting down) stops it between two tokens through a stopping criterion, or
    before it starts when it is still queued, and frees the lock at once: a reader that stops
    reading never keeps the model. `completed` says whether the answer ended on its own (an
    end-of-sequence token or the token budget): only a completed answer is worth storing.
    """

    def __init__(
        self, chat: ChatModel, prompt: list[Message], max_new_tokens: int, lock: threading.Lock
    ) -> None:
        from transformers import TextIteratorStreamer

        self.chat = chat
        self.lock = lock
        self.cancelled = threading.Event()
        self.completed = False
        self.tokens = 0
        self.error: Exception | None = None
        self.streamer = TextIteratorStreamer(
            chat.tokenizer, skip_prompt=True, skip_special_tokens=True
        )
        self._ids = prompt_ids(chat.tokenizer, prompt)
        self._budget = max_new_tokens
        self.thread = threading.Thread(target=self._run, name="generation", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        """Stop after the token being computed (or before the first, if still queued)."""
        self.cancelled.set()

    def pieces(self) -> Iterator[str]:
        """The answer's text pieces (none empty) as decoded; re-raises the generation's error."""
        yield from (piece for piece in self.streamer if piece)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _stop(self, input_ids: Any, scores: Any, **_: Any) -> Any:
        """The stopping criterion: count the token just written; stop once cancelled."""
        import torch

        self.tokens += 1
        stop = self.cancelled.is_set()
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)

    def _acquire(self) -> bool:
        """Wait for the model; give up (False) as soon as the answer is cancelled."""
        while not self.lock.acquire(timeout=LOCK_POLL_S):
            if self.cancelled.is_set():
                return False
        return True

    def _run(self) -> None:
        """Generate under the lock; always end the streamer, so no reader waits forever."""
        ended = False
        try:
            if not self._acquire():
                return
            try:
                if not self.cancelled.is_set():
                    self._generate()
                    ended = True
                    self.completed = not self.cancelled.is_set()
            finally:
                self.lock.release()
        except Exception as exc:  # handed to the reader by `pieces`
            self.error = exc
        finally:
            if not ended:
                self.streamer.end()

    def _generate(self) -> None:
        """Greedy decoding of up to the budget, stopping at the model's end-of-sequence ids."""
        import torch
        from transformers import StoppingCriteriaList

        model, tokenizer = self.chat.model, self.chat.tokenizer
        device = next(model.parameters()).device
        input_ids = torch.tensor([self._ids], device=device)
        stops = sorted(stop_token_ids(model, tokenizer))
        with torch.inference_mode():
            model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=self._budget,
                do_sample=False,
                eos_token_id=stops,
                pad_token_id=stops[0],
                streamer=self.streamer,
                stopping_criteria=StoppingCriteriaList([self._stop]),
            )

"""The one place a small chat model is loaded and driven: SmolLM2-135M-Instruct.

Weeks 15, 19, 20, 22 and 23 chat through these functions. A conversation is a list of
messages `{"role": "system" | "user" | "assistant", "content": str}`; the model's own chat
template (ChatML: `<|im_start|>role ... <|im_end|>`) turns it into tokens.

- `load_chat_model` reads the registry folder `smollm2_135m_instruct` (one GGUF file, Q4_1,
  dequantized by transformers to a float32 LlamaForCausalLM) once per process and device;
  `load_chat_tokenizer` reads its tokenizer alone (from the dequantized copy, in well under a
  second).
- `trim_history` keeps the system message and drops the oldest turns until the prompt fits the
  context window; when even the newest user message cannot fit it raises `ContextOverflow`
  (it never truncates a message silently).
- `stream_reply` generates with transformers' `model.generate()`: greedy (temperature 0) or
  temperature + top-p sampling seeded by `seed`, in a thread of its own (`Generation`), read
  through a `TextIteratorStreamer` piece by piece. `reply` joins them. The same loop written
  out by hand over the KV cache is week 19's lesson (week19_genai/kv_cache.py).
- `Generation` is one such reply in its thread: it waits for a lock (one answer at a time in a
  service), can be cancelled between two tokens, and says whether it ended on its own.
- `chat_repl` is the interactive loop (`python -m week15_transformers chat`), with an optional
  `context` function that grounds each question (retrieval-augmented chat): it returns the
  notes for the prompt and a footer (the evidence and its source), or a fixed reply that is
  said instead of generating (the notes do not cover the question).

transformers is imported inside the functions, so `import shared.llm` stays light.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO  # Any: transformers objects, imported inside the functions

REGISTRY_NAME = "smollm2_135m_instruct"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ROLES = ("system", "user", "assistant")
DEFAULT_SYSTEM = "You are a helpful assistant. Answer briefly and truthfully."
QUIT_COMMANDS = ("/quit", "/exit")
LOCK_POLL_S = 0.1  # how often a queued generation checks whether it was cancelled
RESET_COMMAND = "/reset"

Message = dict[str, str]


class ContextOverflow(ValueError):
    """The newest user message alone does not fit the model's context window."""


@dataclass(frozen=True)
class Grounding:
    """What retrieval gives one chat turn: notes for the prompt, or a fixed reply; a footer.

    `reply`, when set, is said instead of generating (e.g. "the notes do not cover this");
    `footer` is printed after the reply (e.g. the quoted evidence and its source).
    """

    notes: str = ""
    reply: str | None = None
    footer: str = ""


def load_chat_model(folder: Path, device: str = "cpu") -> tuple[Any, Any]:
    """Return `(model, tokenizer)` for the chat model in a registry folder, cached per process.

    `folder` is what `ctx.dataset("smollm2_135m_instruct")` returned; `device` is a torch
    device name or "auto". Loading dequantizes the GGUF weights (seconds), so the pair is kept.
    """
    from shared.devices import resolve_device

    return _load(str(Path(folder).resolve()), resolve_device(device))


def load_chat_tokenizer(folder: Path) -> Any:
    """Return the chat model's tokenizer alone, read from the dequantized copy.

    Reading it from the GGUF file parses the whole vocabulary there (seconds); the copy's
    tokenizer files load in a fraction of one. Without a copy yet, the model is loaded once to
    make it (`load_chat_model`).
    """
    from transformers import AutoTokenizer

    from shared.hub import load_pretrained

    _check_folder(Path(folder))
    copy = dequantized_folder(Path(folder))
    if not (copy / "config.json").is_file():
        return load_chat_model(folder)[1]
    return load_pretrained(AutoTokenizer, copy)


def _check_folder(folder: Path) -> None:
    """Raise FileNotFoundError unless `folder` holds the chat model's GGUF file."""
    if not (folder / GGUF_FILE).is_file():
        raise FileNotFoundError(
            f"{folder} holds no {GGUF_FILE}: pass the folder that "
            f"shared.registry.fetch({REGISTRY_NAME!r}) returns"
        )


@functools.cache
def _load(folder: str, device: str) -> tuple[Any, Any]:
    """Load tokenizer and model once per (folder, device), from the dequantized copy if there is one."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from shared.hub import load_pretrained

    _check_folder(Path(folder))
    copy = dequantized_folder(Path(folder))
    if (copy / "config.json").is_file():
        tokenizer = load_pretrained(AutoTokenizer, copy)
        model = load_pretrained(AutoModelForCausalLM, copy)
    else:
        tokenizer = load_pretrained(AutoTokenizer, Path(folder), gguf_file=GGUF_FILE)
        model = load_pretrained(AutoModelForCausalLM, Path(folder), gguf_file=GGUF_FILE)
        _save_dequantized(model, tokenizer, copy)
    return model.to(device).eval(), tokenizer


def dequantized_folder(folder: Path) -> Path:
    """Where the GGUF weights, dequantized once, are kept as safetensors beside the registry cache.

    Dequantizing the GGUF file takes about 40 s on two cores, every process; the copy loads in
    about one. It is named by the GGUF file's sha256 and the transformers version that made it,
    so a different file or library never reads a stale copy.
    """
    import transformers

    from shared.paths import cache_dir
    from shared.registry import sha256_of

    digest = sha256_of(folder / GGUF_FILE)[:16]
    return (
        cache_dir() / "derived" / f"{REGISTRY_NAME}-{digest}-transformers{transformers.__version__}"
    )


def _save_dequantized(model: Any, tokenizer: Any, target: Path) -> None:
    """Save model and tokenizer into `target` atomically: written beside it, then renamed."""
    import os
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        # save_pretrained refuses a model loaded from GGUF, though its weights are plain tensors
        # by now: write them, and the config without its GGUF loading section, by hand
        from safetensors.torch import save_model

        config = model.config.to_dict()
        config.pop("quantization_config", None)
        (staging / "config.json").write_text(json.dumps(config, indent=2))
        save_model(model, str(staging / "model.safetensors"))
        model.generation_config.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        if not target.exists():  # another process may have saved it first: keep theirs
            os.replace(staging, target)
    except OSError as error:  # a full or read-only disk: the next load dequantizes again
        print(f"could not keep the dequantized model in {target}: {error}", file=sys.stderr)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def context_window(model: Any) -> int:
    """Return how many tokens (prompt + reply) the model can attend to."""
    return int(model.config.max_position_embeddings)


def check_messages(messages: Sequence[Message]) -> None:
    """Raise ValueError unless `messages` is a conversation ending in a non-empty user message."""
    if not messages:
        raise ValueError("the conversation is empty: give at least one user message")
    for i, message in enumerate(messages):
        if message.get("role") not in ROLES or not isinstance(message.get("content"), str):
            raise ValueError(
                f"message {i} must be a dict with a role in {ROLES} and a str content, "
                f"not {message!r}"
            )
    if messages[-1]["role"] != "user":
        raise ValueError("the last message must be the user's: there is nothing to reply to")
    if not messages[-1]["content"].strip():
        raise ValueError("the prompt is empty: type a question or an instruction")


def prompt_ids(tokenizer: Any, messages: Sequence[Message]) -> list[int]:
    """Return the token ids of the chat-templated conversation, ready for the reply to follow."""
    encoded = tokenizer.apply_chat_template(
        list(messages), add_generation_prompt=True, tokenize=True, return_dict=True
    )
    return list(encoded["input_ids"])


def count_tokens(tokenizer: Any, messages: Sequence[Message]) -> int:
    """Return the prompt length in tokens, chat template and generation prompt included."""
    return len(prompt_ids(tokenizer, messages))


def trim_history(messages: Sequence[Message], tokenizer: Any, max_tokens: int) -> list[Message]:
    """Return the conversation cut to at most `max_tokens` prompt tokens.

    The system message (if first) always stays; whole turns are dropped oldest first, so the
    kept part starts with a user message and ends with the newest one. Raises ContextOverflow
    when the system message plus the newest user message alone are longer than `max_tokens`.
    """
    check_messages(messages)
    system = list(messages[:1]) if messages[0]["role"] == "system" else []
    turns = list(messages[len(system) :])
    starts = [i for i, m in enumerate(turns) if m["role"] == "user"]
    for start in starts:
        kept = system + turns[start:]
        if count_tokens(tokenizer, kept) <= max_tokens:
            return kept
    needed = count_tokens(tokenizer, system + turns[-1:])
    raise ContextOverflow(
        f"the last message needs {needed} prompt tokens (system message and chat template "
        f"included) but only {max_tokens} fit the context window: shorten it or split it"
    )


def stop_token_ids(model: Any, tokenizer: Any) -> set[int]:
    """Return the ids that end a reply: the tokenizer's and the generation config's EOS."""
    ids = {tokenizer.eos_token_id}
    configured = model.generation_config.eos_token_id
    ids.update(configured if isinstance(configured, list) else [configured])
    return {int(i) for i in ids if i is not None}


def stream_reply(
    model: Any,
    tokenizer: Any,
    messages: Sequence[Message],
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.0,
    top_p: float = 1.0,
    seed: int = 0,
    max_context: int | None = None,
) -> Iterator[str]:
    """Yield the assistant's reply piece by piece as it is generated.

    The history is first trimmed so prompt + `max_new_tokens` fit `max_context` (default: the
    model's window). Temperature 0 is greedy decoding; above 0, tokens are sampled from the
    softmax at that temperature, restricted to the smallest set whose probability reaches
    `top_p`, seeded by `seed` (same seed, same reply). A reader that stops early stops it.
    """
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, not {max_new_tokens}")
    if temperature < 0 or not 0 < top_p <= 1:
        raise ValueError(f"need temperature >= 0 and 0 < top_p <= 1, not {temperature}, {top_p}")
    window = max_context or context_window(model)
    if max_new_tokens >= window:
        raise ValueError(f"max_new_tokens {max_new_tokens} leaves no room in {window} tokens")
    kept = trim_history(messages, tokenizer, window - max_new_tokens)
    generation = Generation(
        model,
        tokenizer,
        prompt_ids(tokenizer, kept),
        max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        seed=seed,
    )
    try:
        yield from generation.pieces()
    finally:
        generation.cancel()


class Generation:
    """One reply written by `model.generate()` in a thread of its own, which can be stopped.

    The thread waits for `lock` (one answer at a time; a private lock by default), then decodes
    into a `TextIteratorStreamer`; `pieces` reads the text as it comes. `cancel()` (a reader
    that left, a service shutting down) stops it between two tokens through a stopping
    criterion, or before it starts when it is still queued, and frees the lock at once.
    `completed` says whether the reply ended on its own (an end-of-sequence token or the token
    budget); `tokens` counts the tokens written.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        ids: list[int],
        max_new_tokens: int,
        lock: threading.Lock | None = None,
        *,
        temperature: float = 0.0,
        top_p: float = 1.0,
        seed: int = 0,
    ) -> None:
        from transformers import TextIteratorStreamer

        self.model, self.tokenizer = model, tokenizer
        self.lock = lock or threading.Lock()
        self.cancelled = threading.Event()
        self.completed = False
        self.tokens = 0
        self.error: Exception | None = None
        self.streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._ids, self._budget = ids, max_new_tokens
        self._sampling = (temperature, top_p, seed)
        self.thread = threading.Thread(target=self._run, name="generation", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        """Stop after the token being computed (or before the first, if still queued)."""
        self.cancelled.set()

    def pieces(self) -> Iterator[str]:
        """The reply's text pieces (none empty) as decoded; re-raises the generation's error."""
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
        """Wait for the model; give up (False) as soon as the reply is cancelled."""
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
        """Decode up to the budget, stopping at the model's end-of-sequence ids."""
        import torch
        from transformers import StoppingCriteriaList

        temperature, top_p, seed = self._sampling
        device = next(self.model.parameters()).device
        input_ids = torch.tensor([self._ids], device=device)
        stops = sorted(stop_token_ids(self.model, self.tokenizer))
        sampling: dict[str, float | bool] = {"do_sample": temperature > 0}
        if temperature > 0:  # top_k=0: no top-k cut besides the nucleus
            sampling.update(temperature=temperature, top_p=top_p, top_k=0)
        with torch.inference_mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=self._budget,
                eos_token_id=stops,
                pad_token_id=stops[0],
                streamer=self.streamer,
                stopping_criteria=StoppingCriteriaList([self._stop]),
                **sampling,
            )


def reply(model: Any, tokenizer: Any, messages: Sequence[Message], **options: Any) -> str:
    """Return the whole reply (`stream_reply` joined); takes the same keyword options."""
    return "".join(stream_reply(model, tokenizer, messages, **options))


def with_context(question: str, passages: str) -> str:
    """Return the user message that puts retrieved `passages` before the `question`."""
    return (
        "Use the notes below to answer the question. Quote the notes when you can.\n\n"
        f"Notes:\n{passages.strip()}\n\nQuestion: {question.strip()}"
    )


def chat_repl(
    model: Any,
    tokenizer: Any,
    system: str = DEFAULT_SYSTEM,
    *,
    input_fn: Callable[[str], str] = input,
    output: TextIO | None = None,
    context: Callable[[str], Grounding] | None = None,
    prompt: str = "you> ",
    **options: Any,
) -> list[Message]:
    """Chat until end of input or /quit; stream each reply to `output`; return the history.

    `/reset` forgets the conversation. `context(question)`, when given, grounds the turn (see
    `Grounding`): its notes go into this turn's prompt (`with_context`), or its fixed reply is
    said without generating; its footer follows the reply. The history keeps the bare
    question, so old notes do not crowd the context window. `options` go to `stream_reply`.
    """
    output = sys.stdout if output is None else output  # looked up now: tests swap sys.stdout
    history: list[Message] = [{"role": "system", "content": system}]
    while True:
        try:
            line = input_fn(prompt).strip()
        except (EOFError, KeyboardInterrupt):
            print(file=output)
            return history
        if line in QUIT_COMMANDS:
            return history
        if line == RESET_COMMAND:
            history = history[:1]
            print("(conversation forgotten)", file=output, flush=True)
            continue
        if not line:
            print("(type a question, /reset or /quit)", file=output, flush=True)
            continue
        grounding = context(line) if context else Grounding()
        if grounding.reply is not None:
            stream: Iterator[str] = iter([grounding.reply])
        else:
            turn = with_context(line, grounding.notes) if grounding.notes else line
            messages = [*history, {"role": "user", "content": turn}]
            stream = stream_reply(model, tokenizer, messages, **options)
        print("bot> ", end="", file=output, flush=True)
        pieces = []
        try:
            for piece in stream:
                pieces.append(piece)
                print(piece, end="", file=output, flush=True)
        except ContextOverflow as exc:
            print(f"(too long: {exc})", file=output, flush=True)
            continue
        print(file=output, flush=True)
        if grounding.footer:
            print(grounding.footer, file=output, flush=True)
        history += [
            {"role": "user", "content": line},
            {"role": "assistant", "content": "".join(pieces)},
        ]

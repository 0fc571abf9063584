"""What the week 23 tests share: a tiny randomly initialised Llama chat model, built once.

It has SmolLM2's tokenizer (so the same chat template) and one 16-wide layer, saved with
`save_pretrained` in the folder format week23's `language_model.load_chat` reads: the routes,
the pages and a restart run on it in seconds. Its answers are arbitrary tokens; one test per
app runs the real SmolLM2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from shared.api import LOOPBACK, free_port
from shared.llm import GGUF_FILE, REGISTRY_NAME
from shared.paths import REPO_ROOT
from shared.registry import fetch

KEY = "week23-test-key-0123"


def build_tiny_llama(folder: Path) -> Path:
    """Save SmolLM2's tokenizer and a 1-layer random Llama over its vocabulary into `folder`."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from shared.hub import load_pretrained

    tokenizer = load_pretrained(AutoTokenizer, fetch(REGISTRY_NAME), gguf_file=GGUF_FILE)
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny chat model's folder."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny_llama"))


@contextmanager
def served(name: str, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """`python -m week23_genai_capstone serve NAME` in its own process until its health answers.

    Yields the base URL; the process is stopped (SIGTERM) afterwards.
    """
    port = port or free_port()
    health = "/health" if name == "chat" else "/_stcore/health"
    command = [sys.executable, "-m", "week23_genai_capstone", "serve", name, "--port", str(port)]
    proc = subprocess.Popen(
        command, cwd=REPO_ROOT, env={**os.environ, **env}, stderr=subprocess.PIPE
    )
    url = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + health, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"`serve {name}` did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)

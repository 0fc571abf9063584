"""What the week 23 tests share: a tiny randomly initialised Llama chat model, built once.

It has SmolLM2's tokenizer (so the same chat template) and one 16-wide layer, saved with
`save_pretrained` in the folder format week23's `language_model.load_chat` reads: the routes,
the pages and a restart run on it in seconds. Its answers are arbitrary tokens; one test per
app runs the real SmolLM2. `served` runs one of the week's apps in its own process. The
`tiny_llama` fixture (conftest.py) builds the model once per test run.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from serving import STREAMLIT_HEALTH, serve_subprocess

from shared.llm import GGUF_FILE, REGISTRY_NAME
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


def served(name: str, env: dict[str, str], port: int | None = None) -> AbstractContextManager[str]:
    """`python -m week23_genai_capstone serve NAME` in its own process until its health answers."""
    health = "/health" if name == "chat" else STREAMLIT_HEALTH
    return serve_subprocess("week23_genai_capstone", name, health=health, env=env, port=port)

"""A tiny randomly initialised Llama chat model for tests (weeks 19 and 23), built in seconds.

It has SmolLM2's tokenizer (so the same chat template) and one 16-wide layer, saved with
`save_pretrained`; its answers are arbitrary tokens, but any decoding loop must write the same
ones as `model.generate()`.
"""

from __future__ import annotations

from pathlib import Path

from shared.llm import REGISTRY_NAME, load_chat_tokenizer
from shared.registry import fetch


def build_tiny_llama(folder: Path) -> Path:
    """Save SmolLM2's tokenizer and a 1-layer random Llama over its vocabulary into `folder`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = load_chat_tokenizer(fetch(REGISTRY_NAME))
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

"""What the week 23 tests share: a tiny randomly initialised Llama chat model, built once.

It has SmolLM2's tokenizer (so the same chat template) and one 16-wide layer, saved with
`save_pretrained` in the folder format week23's `language_model.load_chat` reads: the routes,
the pages and a restart run on it in seconds. Its answers are arbitrary tokens; one test per
app runs the real SmolLM2. `served` runs one of the week's apps in its own process.
`course_notes` writes a one-week course for the chat service to answer from, and
`notes_assistant` is week 15's assistant over it with a letter-count encoder (no model).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from letter_counts import LetterCounts
from serving import serve_subprocess

from shared.llm import GGUF_FILE, REGISTRY_NAME
from shared.registry import fetch
from week15_transformers.assistant import CourseAssistant
from week15_transformers.retrieval import ReadmeIndex

KEY = "week23-test-key-0123"
NOTES = """# Week 99 — Test notes

```bash
python -m week99_notes serve chat   # the notes API, port 8099
```

## Data
Week 99 trains on the MNIST digits. It keeps them in SQLite.
"""


def course_notes(folder: Path) -> Path:
    """Write a one-week course (week99_notes/README.md) under `folder`; return `folder`."""
    (folder / "week99_notes").mkdir(parents=True, exist_ok=True)
    (folder / "week99_notes" / "README.md").write_text(NOTES, encoding="utf-8")
    return folder


def notes_assistant(folder: Path, threshold: float) -> CourseAssistant:
    """Week 15's assistant over `course_notes(folder)`; it abstains below `threshold`."""
    index = ReadmeIndex.from_repository(LetterCounts(), course_notes(folder))
    return CourseAssistant(index, threshold=threshold)


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
    return serve_subprocess("week23_genai_capstone", name, env=env, port=port)

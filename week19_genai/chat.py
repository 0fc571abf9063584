"""Chat with SmolLM2-135M-Instruct: `python -m week19_genai chat [--system S] [--temperature T]`.

The conversation is kept (multi-turn memory) and trimmed, oldest turns first, to fit the
context window (`--max-context`, at most the model's 8,192 tokens); replies stream as they are
generated. Type `/reset` to forget the conversation, `/quit` (or Ctrl-D) to leave. The loop is
shared.llm's `chat_repl`; this command sets week 19's options.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

DEFAULT_SYSTEM = (
    "You are a friendly creative-writing assistant. You help with stories and poems, "
    "and answer briefly."
)


def build_parser() -> argparse.ArgumentParser:
    """Return the `chat` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week19_genai chat",
        description="Chat with SmolLM2-135M-Instruct (streamed replies, multi-turn memory).",
    )
    parser.add_argument("--system", default=DEFAULT_SYSTEM, help="the system prompt")
    parser.add_argument("--temperature", type=float, default=0.7, help="0 = greedy (default 0.7)")
    parser.add_argument(
        "--top-p", type=float, default=0.9, help="nucleus sampling mass (default 0.9)"
    )
    parser.add_argument(
        "--max-new-tokens", type=int, default=200, help="longest reply (default 200)"
    )
    parser.add_argument(
        "--max-context", type=int, default=2048, help="tokens of history kept (default 2048)"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    return parser


def main(argv: Sequence[str]) -> int:
    """Load the model and run the chat loop; return the exit code (2 for bad options)."""
    args = build_parser().parse_args(list(argv))
    if not args.system.strip():
        print("error: --system is empty: give the assistant a role", file=sys.stderr)
        return 2
    if args.temperature < 0 or not 0 < args.top_p <= 1:
        print("error: need --temperature >= 0 and 0 < --top-p <= 1", file=sys.stderr)
        return 2
    if not 0 < args.max_new_tokens < args.max_context:
        print("error: need 0 < --max-new-tokens < --max-context", file=sys.stderr)
        return 2
    from shared.llm import chat_repl, context_window, load_chat_model
    from shared.registry import fetch

    model, tokenizer = load_chat_model(fetch("smollm2_135m_instruct"), args.device)
    print("SmolLM2-135M-Instruct. /reset forgets the conversation, /quit leaves.", flush=True)
    chat_repl(
        model,
        tokenizer,
        args.system,
        temperature=args.temperature,
        top_p=args.top_p,
        max_new_tokens=args.max_new_tokens,
        max_context=min(args.max_context, context_window(model)),
        seed=args.seed,
    )
    return 0

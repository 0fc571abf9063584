"""`python -m week23_genai_capstone serve NAME`: start one of the capstone's apps.

`chat` is the chatbot API (FastAPI on uvicorn); `chat-ui`, `gallery` and `story` are Streamlit
pages (`streamlit run` on the page's file). The chat page talks to the chat API
($WEEK23_CHAT_URL, default its port here) with $ML_ROADMAP_API_KEY. Each checks what it needs
before it starts and ends with one clear line and exit code 2 if something is missing.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from shared.devices import DEVICE_CHOICES
from shared.launch import serve, serve_parser
from week23_genai_capstone.language_model import MODEL_ENV

PORTS = {"chat": 8030, "chat-ui": 8503, "gallery": 8504, "story": 8505}
PAGES = {
    "chat-ui": Path(__file__).with_name("chat_app.py"),
    "gallery": Path(__file__).with_name("gallery_app.py"),
    "story": Path(__file__).with_name("story_app.py"),
}


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = serve_parser(
        "python -m week23_genai_capstone serve",
        "Serve the chatbot API, or the chat, gallery or story page.",
        PORTS,
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"chat model folder (default ${MODEL_ENV}, else the registry's SmolLM2)",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="longest answer (chat)")
    return parser


def main(argv: Sequence[str]) -> int:
    """Check and start the named app; exit 2 with one line when it cannot start."""
    args = build_parser().parse_args(list(argv))
    if args.model is not None:
        os.environ[MODEL_ENV] = str(args.model)
    return serve(args, PORTS, PAGES, _chat_app)


def _chat_app(args: argparse.Namespace):
    """The chatbot API on the chat model `args` names, settings from the environment."""
    from week23_genai_capstone.chat_service import create_app, settings_from_env
    from week23_genai_capstone.language_model import load_chat

    settings = settings_from_env()
    return create_app(settings, load_chat(args.model, args.device), args.max_new_tokens)

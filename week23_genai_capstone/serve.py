"""`python -m week23_genai_capstone serve NAME`: start one of the capstone's apps.

`chat` is the chatbot API (FastAPI on uvicorn); `chat-ui`, `gallery` and `story` are Streamlit
pages (`streamlit run` on the page's file). The chat page talks to the chat API
($WEEK23_CHAT_URL, default its port here) with $ML_ROADMAP_API_KEY. Each checks what it needs
before it starts and ends with one clear line and exit code 2 if something is missing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from shared.api import LOOPBACK
from shared.dashboards import run_streamlit
from shared.devices import DEVICE_CHOICES
from week23_genai_capstone.language_model import MODEL_ENV

PORTS = {"chat": 8030, "chat-ui": 8503, "gallery": 8504, "story": 8505}
PAGES = {
    "chat-ui": Path(__file__).with_name("chat_app.py"),
    "gallery": Path(__file__).with_name("gallery_app.py"),
    "story": Path(__file__).with_name("story_app.py"),
}


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week23_genai_capstone serve",
        description="Serve the chatbot API, or the chat, gallery or story page.",
    )
    parser.add_argument("name", choices=list(PORTS))
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    parser.add_argument("--port", type=int, default=None, help="port (default: per app)")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"chat model folder (default ${MODEL_ENV}, else the registry's SmolLM2)",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="longest answer (chat)")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str]) -> int:
    """Check and start the named app; exit 2 with one line when it cannot start."""
    args = build_parser().parse_args(list(argv))
    port = args.port or PORTS[args.name]
    if args.model is not None:
        os.environ[MODEL_ENV] = str(args.model)
    if args.name in PAGES:
        run_streamlit(PAGES[args.name], args.host, port)
    from week23_genai_capstone.chat_service import create_app, settings_from_env
    from week23_genai_capstone.language_model import load_chat

    try:
        settings = settings_from_env()
        app = create_app(settings, load_chat(args.model, args.device), args.max_new_tokens)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(app, host=args.host, port=port, workers=1, log_level=args.log_level)
    return 0

"""`python -m week23_genai_capstone serve NAME`: start one of the capstone's apps.

`chat` is the chatbot API (FastAPI on uvicorn), answering from the course notes (the week
READMEs, or those under $WEEK23_COURSE_NOTES); `chat-ui`, `gallery` and `story` are Streamlit
pages (`streamlit run` on the page's file). The chat page talks to the chat API
($WEEK23_CHAT_URL, default its port here) with $ML_ROADMAP_API_KEY. Each checks what it needs
before it starts and ends with one clear line and exit code 2 if something is missing; an
option out of range, or one the app does not use (`--max-new-tokens` for a page), is refused
the same way before anything loads.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from shared.apps import ports
from shared.cli import command_error
from shared.devices import DEVICE_CHOICES
from shared.launch import serve, serve_parser
from week23_genai_capstone import chat, gallery, story
from week23_genai_capstone.chat.service import (
    MAX_NEW_TOKENS,
    MAX_NEW_TOKENS_LIMIT,
    NOTES_ENV,
    notes_root,
)
from week23_genai_capstone.language_model import MODEL_ENV, check_model_folder

PORTS = ports("week23_genai_capstone")
PAGES = {
    "chat-ui": chat.PAGE,
    "gallery": gallery.PAGE,
    "story": story.PAGE,
}
MODEL_APPS = ("chat", "story")  # the apps that load a chat model themselves


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
    parser.add_argument(
        "--device", choices=DEVICE_CHOICES, default=None, help="(chat) default auto"
    )
    parser.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        help=f"longest answer, 1 to {MAX_NEW_TOKENS_LIMIT} (chat; default {MAX_NEW_TOKENS})",
    )
    return parser


def option_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options for app `args.name`, in one line; None if nothing."""
    if args.name != "chat":
        for given, option in ((args.max_new_tokens, "--max-new-tokens"), (args.device, "--device")):
            if given is not None:
                return f"{option} applies to `serve chat` only, not to `serve {args.name}`"
    if args.model is not None and args.name not in MODEL_APPS:
        return f"--model applies to `serve chat` and `serve story`, not `serve {args.name}`"
    named = args.model or os.environ.get(MODEL_ENV, "").strip()
    if named and args.name in MODEL_APPS:
        try:
            check_model_folder(Path(named))
        except FileNotFoundError as exc:
            return str(exc)
    if args.name == "chat" and not any(notes_root().glob("week*/README.md")):
        return f"${NOTES_ENV} names {notes_root()}, which holds no week*/README.md course notes"
    if args.max_new_tokens is not None and not 1 <= args.max_new_tokens <= MAX_NEW_TOKENS_LIMIT:
        return (
            f"--max-new-tokens must be between 1 and {MAX_NEW_TOKENS_LIMIT}, "
            f"not {args.max_new_tokens}"
        )
    return None


def main(argv: Sequence[str]) -> int:
    """Check and start the named app; exit 2 with one line when it cannot start."""
    args = build_parser().parse_args(list(argv))
    problem = option_problem(args)
    if problem is not None:
        return command_error(problem)
    if args.model is not None:
        os.environ[MODEL_ENV] = str(args.model)
    return serve(args, PORTS, PAGES, _chat_app)


def _chat_app(args: argparse.Namespace):
    """The chatbot API on the chat model `args` names and the course notes, settings from env."""
    from week23_genai_capstone.chat.service import create_app, load_assistant, settings_from_env
    from week23_genai_capstone.language_model import load_chat

    settings = settings_from_env()
    chat = load_chat(args.model, args.device or "auto")
    assistant = load_assistant(args.device or "auto")
    return create_app(settings, chat, args.max_new_tokens or MAX_NEW_TOKENS, assistant)

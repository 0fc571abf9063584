"""Run week 23: `python -m week23_genai_capstone [--project NAME] [--fast]`, `... serve NAME`.

`serve chat` starts the chatbot API, `serve chat-ui` its Streamlit chat page, `serve gallery`
the AI art gallery and `serve story` the storybook app.
"""

import sys

from shared.cli import run_week

WEEK = 23
TITLE = "Generative AI capstone: chatbot service, AI art gallery, storybook app"
PROJECTS = {
    "chatbot": "week23_genai_capstone.projects.chatbot",
    "gallery": "week23_genai_capstone.projects.gallery",
    "storybook": "week23_genai_capstone.projects.storybook",
}
COMMANDS = {"serve": "week23_genai_capstone.serve:main"}


def main(argv: list[str]) -> int:
    """Run the week's projects, or a sub-command."""
    return run_week(WEEK, TITLE, PROJECTS, argv, commands=COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

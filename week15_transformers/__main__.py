"""Run week 15: `python -m week15_transformers [--project NAME] [--fast]`.

`python -m week15_transformers chat` talks with SmolLM2 about this course (retrieval over the
week READMEs); `chat-eval` scores its grounding on the dev questions without generating;
`chat-fit` learns its reader's weights on the train questions.
"""

import sys

from shared.cli import run_week

WEEK = 15
TITLE = "Transformers and embeddings"
PROJECTS = {
    "embeddings": "week15_transformers.projects.embeddings",
    "finetune": "week15_transformers.projects.finetune",
    "summarization": "week15_transformers.projects.summarization",
    "translation": "week15_transformers.projects.translation",
    "chatbot": "week15_transformers.projects.chatbot",
}
COMMANDS = {
    "chat": "week15_transformers.projects.chatbot:main",
    "chat-eval": "week15_transformers.projects.chatbot:evaluate_main",
    "chat-fit": "week15_transformers.projects.chatbot:fit_main",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))

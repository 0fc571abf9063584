"""Run week 19: `python -m week19_genai [--project NAME] [--fast]`.

`python -m week19_genai chat` talks with SmolLM2-135M-Instruct (streamed, multi-turn).
"""

import sys

from shared.cli import run_week

WEEK = 19
TITLE = "Generative AI basics"
PROJECTS = {
    "tokenization": "week19_genai.projects.tokenization",
    "gpt_from_scratch": "week19_genai.projects.gpt_shakespeare",
    "decoding": "week19_genai.projects.decoding",
    "lora_sonnets": "week19_genai.projects.lora_sonnets",
    "haiku": "week19_genai.projects.haiku",
    "pipelines": "week19_genai.projects.hf_pipelines",
}
COMMANDS = {"chat": "week19_genai.chat:main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))

"""Run week 14: `python -m week14_nlp [--project NAME] [--fast]`.

`python -m week14_nlp classify --model M --input P` labels emails with the saved spam filter.
"""

import sys

from shared.cli import run_week

WEEK = 14
TITLE = "NLP fundamentals"
PROJECTS = {
    "preprocessing": "week14_nlp.projects.preprocessing",
    "bow_tfidf": "week14_nlp.projects.bow_tfidf",
    "spam_classifier": "week14_nlp.projects.spam_classifier",
    "tweet_sentiment": "week14_nlp.projects.tweet_sentiment",
}
COMMANDS = {"classify": "week14_nlp.classify:main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))

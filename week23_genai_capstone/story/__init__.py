"""The storybook app: week 20's story pipeline for any premise, and its page."""

from pathlib import Path

PAGE = Path(__file__).with_name("app.py")  # the Streamlit page, for `streamlit run` and AppTest

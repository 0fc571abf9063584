"""The sentiment dashboard: VADER, week 14's TF-IDF and week 15's transformer."""

from pathlib import Path

PAGE = Path(__file__).with_name("app.py")  # the Streamlit page, for `streamlit run` and AppTest

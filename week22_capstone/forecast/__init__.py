"""The forecast dashboard: week 18's time-series store read by a Streamlit page."""

from pathlib import Path

PAGE = Path(__file__).with_name("app.py")  # the Streamlit page, for `streamlit run` and AppTest

"""The AI art gallery app: week 20's pictures, their store and their page."""

from pathlib import Path

PAGE = Path(__file__).with_name("app.py")  # the Streamlit page, for `streamlit run` and AppTest

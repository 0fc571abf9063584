"""The chatbot app: SmolLM2 behind FastAPI with evidence, its store and its page."""

from pathlib import Path

PAGE = Path(__file__).with_name("app.py")  # the Streamlit page, for `streamlit run` and AppTest

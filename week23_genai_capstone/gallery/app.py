"""The AI art gallery page (Streamlit): search week 20's pictures by words or by meaning.

It reads the gallery a run stored ($WEEK23_GALLERY, default reports/week23/gallery: a SQLite
file and the PNGs): each picture with its prompt, SmolLM2's caption, its seed and the model
version that drew it. Words are matched in SQL; meaning is MiniLM's cosine similarity. A
search over the store's bounds (words, characters) gets its message, not a database error.
Run with `python -m week23_genai_capstone serve gallery`.
"""

from pathlib import Path

import streamlit as st

from shared.db import make_engine
from week23_genai_capstone.gallery.store import (
    DATABASE,
    Gallery,
    QueryError,
    check_query,
    gallery_folder,
)

COLUMNS = 4


@st.cache_resource
def open_gallery(folder: str) -> Gallery:
    """The gallery's store, opened once per server process."""
    return Gallery(make_engine(f"sqlite:///{Path(folder) / DATABASE}"), Path(folder) / "images")


@st.cache_resource
def encoder():
    """MiniLM from the registry, loaded the first time someone searches by meaning."""
    from shared.registry import fetch
    from week15_transformers.sentence_encoder import SentenceEncoder

    return SentenceEncoder(fetch("all_minilm_l6_v2"))


def show(gallery: Gallery, rows: list) -> None:
    """The pictures in a grid, each with its prompt, caption, seed and model version."""
    columns = st.columns(COLUMNS)
    for i, row in enumerate(rows):
        with columns[i % COLUMNS]:
            st.image(gallery.image_path(row).read_bytes(), caption=row["prompt"])
            st.markdown(f"*{row['caption']}*")
            st.caption(f"#{row['id']} · seed {row['seed']} · model {row['model_version']}")


st.set_page_config(page_title="AI art gallery", layout="wide")
st.title("AI art gallery")
folder = gallery_folder()
if not (folder / DATABASE).is_file():
    st.info(
        f"No gallery at `{folder}`: make one with "
        "`python -m week23_genai_capstone --project gallery`."
    )
    st.stop()
gallery = open_gallery(str(folder))
st.caption(
    "Week 20's diffusion model drew each picture from its prompt and seed; SmolLM2 wrote the "
    "caption. Every picture can be drawn again, byte for byte, from what is stored."
)
query = st.text_input("Search", placeholder="e.g. dress, or: something warm for winter")
mode = st.radio("Match", ["words", "meaning"], horizontal=True)
try:
    check_query(query)
except QueryError as exc:
    st.error(f"{str(exc).capitalize()}.")
    st.stop()
if query.strip() and mode == "meaning":
    hits = gallery.similar(encoder().encode([query])[0], limit=COLUMNS)
    rows = [row for row, _ in hits]
else:
    rows = gallery.search(query)
st.metric("Pictures", len(rows))
if rows:
    show(gallery, rows)
else:
    st.warning(f"No picture's prompt or caption holds every word of {query!r}.")

"""The storybook app (Streamlit): a premise in, an illustrated storybook out, as HTML to keep.

SmolLM2 writes the scenes (checked with week 20's `Scene` schema), week 20's diffusion model
and the DCGAN face generator illustrate them from recorded seeds, and the book downloads as one
self-contained HTML file (pictures embedded). Run with `python -m week23_genai_capstone serve
story`; $WEEK23_TEXT_TO_IMAGE and $WEEK23_CHAT_MODEL choose other models.
"""

from pathlib import Path

import streamlit as st

from shared import upstream
from week20_genai_multimodal.illustrated_story import MAX_PREMISE
from week23_genai_capstone.art import MODEL, model_steps
from week23_genai_capstone.language_model import ChatModel, load_chat
from week23_genai_capstone.story.pipeline import make_storybook


@st.cache_resource
def chat_model() -> ChatModel:
    """The chat model, loaded once per server process."""
    return load_chat()


@st.cache_resource
def image_models(folder: str) -> tuple:
    """Week 20's diffusion pipeline and the registry's DCGAN face generator."""
    from shared.registry import fetch
    from week20_genai_multimodal.dcgan import load_generator
    from week20_genai_multimodal.diffusion import load_pipeline

    return load_pipeline(Path(folder)), load_generator(fetch("dcgan_face_generator"))


def data_uri_bytes(uri: str) -> bytes:
    """The bytes of a base64 data URI (the storybook's embedded PNGs)."""
    import base64

    return base64.b64decode(uri.split(",", 1)[1])


st.set_page_config(page_title="Storybook", page_icon="📖")
st.title("Storybook")
st.caption("SmolLM2 writes the scenes; week 20's diffusion model and DCGAN draw them.")
try:
    folder = upstream.require(MODEL.key)
except upstream.MissingArtefact as missing:
    st.info(str(missing))
    st.stop()
premise = st.text_input("Who is the story about?", "Mia, a young tailor", max_chars=MAX_PREMISE)
scenes = st.slider("Scenes", 2, 6, 3)
seed = st.number_input("Seed", 0, 2**31 - 1, 0, help="the same seed writes the same book")
if st.button("Write the storybook"):
    with st.spinner("Writing and illustrating …"):
        pipe, faces = image_models(str(folder))
        try:
            st.session_state.book = make_storybook(
                chat_model(), pipe, faces, premise, scenes, int(seed), model_steps(folder)
            )
        except ValueError as exc:
            st.session_state.pop("book", None)
            st.error(str(exc))
book = st.session_state.get("book")
if book is not None:
    st.header(book.title)
    for scene, image, picture_seed in zip(book.scenes, book.images, book.seeds, strict=True):
        left, right = st.columns([1, 3])
        left.image(data_uri_bytes(image), caption=f"{scene.picture} (seed {picture_seed})")
        right.write(scene.text)
    st.download_button(
        "Download storybook.html", book.html, file_name="storybook.html", mime="text/html"
    )

"""Sentiment Dashboard (Streamlit): VADER, TF-IDF and the fine-tuned transformer side by side.

Type a text or upload a CSV with a `text` column; each model's label is shown per text, and a
batch gets charts: how many texts each model puts in each class, and where the models disagree.
A table above says what each model was trained on and how often it is right on tweets and on
film reviews, measured by the runs that made the models: a confident label on text unlike a
model's training data is not to be trusted. The page trains nothing: without the TF-IDF model it
says which command makes it. The transformer runs on ONNX Runtime once week 24's
`export-sentiment` has exported it, else on PyTorch (the caption says which). Run with
`python -m week22_capstone serve sentiment`.
"""

from pathlib import Path

import pandas as pd
import streamlit as st

from week14_nlp.tweets import LABELS
from week22_capstone.sentiment.models import (
    TRANSFORMER_HINT,
    MissingModelError,
    SentimentModels,
    models_dir,
    read_texts_csv,
    transformer_dir,
)
from week22_capstone.sentiment.onnx_runtime import EXPORT_COMMAND


@st.cache_resource
def models(tfidf_folder: str, transformer_folder: str) -> SentimentModels:
    """Load the models once per server process (and per pair of folders)."""
    return SentimentModels.load(Path(tfidf_folder), Path(transformer_folder))


def label_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many texts each model puts in each class (rows: classes, columns: models)."""
    columns = [c for c in ("VADER", "TF-IDF", "transformer") if c in table.columns]
    counts = {c: table[c].value_counts().reindex(list(LABELS), fill_value=0) for c in columns}
    return pd.DataFrame(counts)


def show(table: pd.DataFrame) -> None:
    """The per-text labels, and for a batch the charts."""
    if len(table) == 1:
        columns = [c for c in ("VADER", "TF-IDF", "transformer") if c in table.columns]
        st.markdown("Labels: " + ", ".join(f"{c} {table[c].iloc[0]}" for c in columns))
        st.caption("Trust a label most on text like the model's training data (table above).")
    st.dataframe(table, hide_index=True)
    if len(table) > 1:
        st.subheader("Labels in this batch")
        st.bar_chart(label_counts(table), stack=False)
        agree = (table["VADER"] == table["TF-IDF"]).mean()
        st.metric("VADER and TF-IDF agree on", f"{agree:.0%} of texts")


st.set_page_config(page_title="Sentiment dashboard", layout="wide")
st.title("Sentiment dashboard")
st.caption("VADER's rules, week 14's TF-IDF model and week 15's fine-tuned transformer.")
try:
    loaded = models(str(models_dir()), str(transformer_dir()))
except MissingModelError as exc:
    st.error(str(exc))
    st.stop()
st.subheader("What each model learned from, and how often it is right")
st.dataframe(loaded.domain_table(), hide_index=True)
st.caption(
    "Accuracy: positive vs negative on held-out tweets and held-out Rotten Tomatoes film "
    "reviews, measured when the model was made. A model is confident on text unlike its "
    "training data too, and there its label is close to a guess."
)
if loaded.transformer is not None:
    st.caption(f"The transformer runs on {loaded.transformer.runtime}.")
else:
    st.info(
        f"No fine-tuned transformer at `{transformer_dir()}`: make one with "
        f"`{TRANSFORMER_HINT}`, and to run it without torch (as the sentiment image does) "
        f"export it with `{EXPORT_COMMAND}`. VADER and TF-IDF still run."
    )
text = st.text_area("Text", placeholder="Type a sentence, e.g. I love this phone!")
if st.button("Classify") and text.strip():
    show(loaded.classify([text]))
upload = st.file_uploader("Or upload a CSV with a `text` column", type=["csv"])
if upload is not None:
    try:
        show(loaded.classify(read_texts_csv(upload.getvalue())))
    except ValueError as exc:
        st.error(str(exc))

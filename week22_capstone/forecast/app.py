"""Forecast dashboard (Streamlit): forecast vs actual and error by horizon, read from the database.

Pick a series, a horizon and the model versions; the page draws the stored forecasts against the
stored actuals and the error of every version at every horizon, each from one SQL query on week
18's tables. Run with `python -m week22_capstone serve forecast` (DATABASE_URL, or the SQLite
file `python -m week22_capstone --project forecasting` fills). A database that holds no forecast
yet (none of week 18's tables, or empty ones) shows which command fills it.
"""

import streamlit as st
from sqlalchemy import inspect

from shared.db import make_engine
from week22_capstone.forecast.store import (
    error_by_horizon,
    forecast_db_url,
    forecast_series,
    forecast_vs_actual,
    versions,
)


@st.cache_resource
def engine(url: str):
    """One engine per server process and database."""
    return make_engine(url)


st.set_page_config(page_title="Forecasts", layout="wide")
st.title("Forecast vs actual")
db = engine(forecast_db_url())
stored = {"forecasts", "observations"} <= set(inspect(db).get_table_names())
names = forecast_series(db) if stored else []
if not names:
    st.warning(
        "No forecasts in the database yet: run `python -m week22_capstone --project forecasting`."
    )
    st.stop()
series = st.selectbox("Series", names)
available = versions(db, series)
labels = [f"{m} | {v}" for m, v in zip(available["model"], available["model_version"], strict=True)]
chosen = st.multiselect("Model versions", labels, default=labels)
horizon = st.slider("Horizon (steps ahead)", 1, 7, 1)
pairs = forecast_vs_actual(db, series, horizon)
pairs["version"] = pairs["model"] + " | " + pairs["model_version"]
pairs = pairs[pairs["version"].isin(chosen)]
st.subheader(f"{series}: forecasts {horizon} step(s) ahead against the actuals")
wide = pairs.pivot_table(index="ts", columns="version", values="forecast")
wide["actual"] = pairs.groupby("ts")["actual"].first()
st.line_chart(wide)
st.subheader("Error by horizon")
errors = error_by_horizon(db, series)
errors["version"] = errors["model"] + " | " + errors["model_version"]
errors = errors[errors["version"].isin(chosen)]
st.dataframe(errors.drop(columns="version"), hide_index=True)
st.bar_chart(errors.pivot_table(index="horizon", columns="version", values="mae"), stack=False)

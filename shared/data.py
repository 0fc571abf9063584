"""Readers for the registry's tabular datasets: parse the file, then check its schema.

Each reader takes the path that `ctx.dataset(name)` (or `shared.registry.fetch`) returned and
gives back a typed DataFrame, or raises DataSchemaError saying what is wrong with the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

TITANIC_COLUMNS = (
    "PassengerId",
    "Survived",
    "Pclass",
    "Name",
    "Sex",
    "Age",
    "SibSp",
    "Parch",
    "Ticket",
    "Fare",
    "Cabin",
    "Embarked",
)


class DataSchemaError(ValueError):
    """A dataset file does not have the columns or rows its reader expects."""


def check_schema(df: pd.DataFrame, name: str, columns: Sequence[str], n_rows: int) -> pd.DataFrame:
    """Raise DataSchemaError unless `df` has exactly `n_rows` rows and every column in `columns`."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataSchemaError(f"{name}: missing columns {missing}; is this the right file?")
    if len(df) != n_rows:
        raise DataSchemaError(f"{name}: expected {n_rows} rows, found {len(df)}")
    return df


def read_titanic(path: Path) -> pd.DataFrame:
    """Read Kaggle's Titanic train.csv (891 passengers) with categorical Sex and Embarked."""
    df = pd.read_csv(path)
    check_schema(df, "titanic", TITANIC_COLUMNS, 891)
    return df.astype({"Sex": "category", "Embarked": "category", "Survived": "int64"})


def read_ames(path: Path) -> pd.DataFrame:
    """Read Kaggle's Ames train.csv (1460 x 81), indexed by Id; "NA" (e.g. no alley) reads as NaN."""
    df = pd.read_csv(path)
    check_schema(df, "ames_house_prices", ("Id", "SalePrice", "GrLivArea", "OverallQual"), 1460)
    if df.shape[1] != 81:
        raise DataSchemaError(f"ames_house_prices: expected 81 columns, found {df.shape[1]}")
    return df.set_index("Id")


# Statlog German credit (UCI german.data): 20 attributes, 13 coded as A<attribute><level>.
# Names and level meanings from the dataset's documentation (german.doc, Hofmann 1994).
GERMAN_CREDIT_COLUMNS = (
    "checking_account",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "dependents",
    "telephone",
    "foreign_worker",
)
GERMAN_CREDIT_CODES = {
    "checking_account": {
        "A11": "< 0 DM",
        "A12": "0-200 DM",
        "A13": ">= 200 DM or salary",
        "A14": "no account",
    },
    "credit_history": {
        "A30": "no credits / all paid",
        "A31": "all paid at this bank",
        "A32": "existing paid duly",
        "A33": "past delays",
        "A34": "critical / credits elsewhere",
    },
    "purpose": {
        "A40": "car (new)",
        "A41": "car (used)",
        "A42": "furniture",
        "A43": "radio/TV",
        "A44": "appliances",
        "A45": "repairs",
        "A46": "education",
        "A47": "vacation",
        "A48": "retraining",
        "A49": "business",
        "A410": "other",
    },
    "savings": {
        "A61": "< 100 DM",
        "A62": "100-500 DM",
        "A63": "500-1000 DM",
        "A64": ">= 1000 DM",
        "A65": "unknown / none",
    },
    "employment_since": {
        "A71": "unemployed",
        "A72": "< 1 year",
        "A73": "1-4 years",
        "A74": "4-7 years",
        "A75": ">= 7 years",
    },
    "personal_status_sex": {
        "A91": "male divorced/separated",
        "A92": "female div/sep/married",
        "A93": "male single",
        "A94": "male married/widowed",
        "A95": "female single",
    },
    "other_debtors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {
        "A121": "real estate",
        "A122": "savings / life insurance",
        "A123": "car or other",
        "A124": "unknown / none",
    },
    "other_installment_plans": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {
        "A171": "unskilled non-resident",
        "A172": "unskilled resident",
        "A173": "skilled",
        "A174": "management / highly qualified",
    },
    "telephone": {"A191": "none", "A192": "yes"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
}


def read_german_credit(path: Path) -> pd.DataFrame:
    """Read UCI german.data (1000 x 21) with readable names, decoded categories and `bad` (1 = bad risk).

    Categories keep the documentation's order (e.g. savings from "< 100 DM" up). The class column
    (1 good, 2 bad) becomes `bad`, the positive class for the dataset's 5:1 cost matrix.
    """
    df = pd.read_csv(
        path, sep=r"\s+", header=None, names=[*GERMAN_CREDIT_COLUMNS, "class"], dtype=str
    )
    check_schema(df, "german_credit", [*GERMAN_CREDIT_COLUMNS, "class"], 1000)
    for column, codes in GERMAN_CREDIT_CODES.items():
        unknown = set(df[column]) - set(codes)
        if unknown:
            raise DataSchemaError(
                f"german_credit: column {column} has unknown codes {sorted(unknown)}"
            )
        df[column] = pd.Categorical(df[column].map(codes), categories=list(codes.values()))
    numeric = [c for c in GERMAN_CREDIT_COLUMNS if c not in GERMAN_CREDIT_CODES]
    df[numeric] = df[numeric].astype("int64")
    if not set(df["class"]) <= {"1", "2"}:
        raise DataSchemaError(
            f"german_credit: class must be 1 or 2, found {sorted(set(df['class']))}"
        )
    df["bad"] = (df.pop("class") == "2").astype("int64")
    return df


def read_cdnow(path: Path) -> pd.DataFrame:
    """Read CDNOW_master.txt (69,659 purchases): customer_id, date, number_of_cds, dollar_value."""
    df = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    check_schema(df, "cdnow", ("customer_id", "date", "number_of_cds", "dollar_value"), 69_659)
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df

"""Reusable preprocessing: Titanic feature engineering and a missing-value report.

Week 1 uses these to explore, weeks 5 and 7 put TitanicFeatures inside their Pipelines, so the
same features are built the same way everywhere and nothing is fitted outside a CV fold.
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

# Rare honorifics folded together, as in most published Titanic notebooks.
_TITLE_MAP = {
    "Mlle": "Miss",
    "Ms": "Miss",
    "Mme": "Mrs",
    "Lady": "Rare",
    "Countess": "Rare",
    "the Countess": "Rare",
    "Capt": "Rare",
    "Col": "Rare",
    "Don": "Rare",
    "Dona": "Rare",
    "Dr": "Rare",
    "Major": "Rare",
    "Rev": "Rare",
    "Sir": "Rare",
    "Jonkheer": "Rare",
}
AGE_BANDS = (0, 12, 18, 30, 45, 60, 120)
AGE_BAND_LABELS = ("child 0-12", "teen 13-18", "19-30", "31-45", "46-60", "61+")


def extract_title(names: pd.Series) -> pd.Series:
    """Return each passenger's honorific ("Braund, Mr. Owen" -> "Mr"), rare ones as "Rare"."""
    titles = names.str.extract(r",\s*([^.]+)\.", expand=False).str.strip()
    return titles.replace(_TITLE_MAP).fillna("Rare")


def age_band(ages: pd.Series) -> pd.Series:
    """Bin ages into the life stages used in the survival plots (NaN stays NaN)."""
    return pd.cut(ages, bins=AGE_BANDS, labels=AGE_BAND_LABELS, include_lowest=True)


def add_titanic_features(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with Title, FamilySize, IsAlone and HasCabin added (row-wise, no fitting)."""
    out = df.copy()
    if "Name" in out:
        out["Title"] = extract_title(out["Name"])
    out["FamilySize"] = out["SibSp"] + out["Parch"] + 1
    out["IsAlone"] = (out["FamilySize"] == 1).astype("int64")
    if "Cabin" in out:
        out["HasCabin"] = out["Cabin"].notna().astype("int64")
    return out


class TitanicFeatures(TransformerMixin, BaseEstimator):
    """Pipeline step that applies add_titanic_features; stateless, so it cannot leak."""

    def fit(self, X: pd.DataFrame, y: object = None) -> TitanicFeatures:
        """Nothing to learn: the features are row-wise."""
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return X with the engineered Titanic columns."""
        return add_titanic_features(X)


def missing_report(df: pd.DataFrame) -> pd.DataFrame:
    """Return the count and percentage of missing values per column, worst first."""
    missing = df.isna().sum()
    report = pd.DataFrame({"missing": missing, "percent": (100 * missing / len(df)).round(1)})
    return report[report["missing"] > 0].sort_values("missing", ascending=False)

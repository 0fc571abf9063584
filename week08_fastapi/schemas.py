"""The API's request and response bodies, with the rules a valid passenger must follow.

Pydantic checks every field before the model sees it, so a bad request gets a 422 that names the
field and the rule it broke (e.g. `body.age: Input should be less than or equal to 120`). Numbers
are strict: `true` is not 1, and `"3"` or `3.0` is not the whole number 3. The
JSON field names are lower-case; `to_frame` maps them onto the raw Titanic columns the week 7
pipeline was trained on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from shared.api import Page

# Passenger field -> the pipeline's raw input column.
COLUMNS = {
    "pclass": "Pclass",
    "sex": "Sex",
    "age": "Age",
    "sibsp": "SibSp",
    "parch": "Parch",
    "fare": "Fare",
    "embarked": "Embarked",
}


class Sex(StrEnum):
    """Passenger sex, as recorded in the Titanic manifest."""

    male = "male"
    female = "female"


class Port(StrEnum):
    """Port of embarkation: Cherbourg, Queenstown or Southampton."""

    C = "C"
    Q = "Q"
    S = "S"


# Mr Owen Harris Braund, the first row of Kaggle's train.csv: the docs' example and the tests'.
EXAMPLE_PASSENGER = {
    "pclass": 3,
    "sex": "male",
    "age": 22,
    "sibsp": 1,
    "parch": 0,
    "fare": 7.25,
    "embarked": "S",
}


class Passenger(BaseModel):
    """One passenger's raw features; unknown age, fare or port may be null."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [EXAMPLE_PASSENGER]},
    )

    pclass: int = Field(strict=True, ge=1, le=3, description="ticket class: 1 (first), 2 or 3")
    sex: Sex
    age: float | None = Field(
        default=None, ge=0, le=120, allow_inf_nan=False, strict=True, description="years"
    )
    sibsp: int = Field(strict=True, ge=0, le=10, description="siblings and spouses aboard")
    parch: int = Field(strict=True, ge=0, le=10, description="parents and children aboard")
    fare: float | None = Field(
        default=None, ge=0, le=1000, allow_inf_nan=False, strict=True, description="pounds"
    )
    embarked: Port | None = None


def to_frame(passengers: list[Passenger]) -> pd.DataFrame:
    """Return the passengers as a DataFrame of the pipeline's raw input columns."""
    rows = [p.model_dump(mode="json") for p in passengers]
    return pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)


class Prediction(BaseModel):
    """The model's answer for one passenger."""

    survived: Literal[0, 1] = Field(description="predicted class: 1 survived, 0 died")
    probability: float = Field(ge=0, le=1, description="predicted probability of survival")
    model_version: str


class BatchRequest(BaseModel):
    """Several passengers to predict at once (the limit is in GET /model's `max_batch`)."""

    model_config = ConfigDict(extra="forbid")

    passengers: list[Passenger] = Field(min_length=1)


class BatchResponse(BaseModel):
    """One prediction per passenger, in the order they were sent."""

    predictions: list[Prediction]


class Feedback(BaseModel):
    """The true outcome of a stored prediction, recorded after the fact."""

    model_config = ConfigDict(extra="forbid")

    actual: Literal[0, 1] = Field(description="did the passenger survive: 1 yes, 0 no")


class StoredPrediction(BaseModel):
    """A prediction kept in the database: its input, output, model version, time and feedback."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    model_version: str
    passenger: Passenger
    survived: Literal[0, 1]
    probability: float
    actual: Literal[0, 1] | None = None
    feedback_at: datetime | None = None


class PredictionPage(Page[StoredPrediction]):
    """One page of stored predictions, oldest first, with the total that match the filters."""


class ModelInfo(BaseModel):
    """What is being served: version, checksum, training metrics and the input schema."""

    version: str
    sha256: str
    created: str | None
    metrics: dict[str, float]
    feature_schema: dict[str, dict]
    library_versions: dict[str, str]
    max_batch: int


class Health(BaseModel):
    """Liveness: the model is loaded and the database answers."""

    status: Literal["ok"]
    model_version: str
    database: str

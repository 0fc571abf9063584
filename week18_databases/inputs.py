"""Request bodies built from a model's input schema, so every rule is checked (and documented).

A saved model's sidecar describes each input column (dtype, nullable, allowed values, range);
`input_model` turns that into a Pydantic model, so FastAPI refuses a bad field with a 422 that
names it, and the OpenAPI document shows each model's own inputs. Types are strict: JSON `true`
is not the number 1, nor `"100"` the number 100 (an int where a float belongs is fine), and a
field the schema does not name is refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

_TYPES = {"int": int, "float": float, "str": str}


def input_model(model_name: str, schema: dict[str, dict]) -> type[BaseModel]:
    """A Pydantic model of one request's inputs for the model `model_name`."""
    fields = {column: _field(spec) for column, spec in schema.items()}
    config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, str_max_length=64)
    return create_model(f"{model_name.capitalize()}Inputs", __config__=config, **fields)


def prediction_request(model_name: str, inputs: type[BaseModel]) -> type[BaseModel]:
    """The body of POST /models/{name}/predictions: the inputs, and optionally an applicant id."""
    return create_model(
        f"{model_name.capitalize()}PredictionRequest",
        __config__=ConfigDict(extra="forbid", strict=True),
        inputs=(inputs, ...),
        applicant_id=(int | None, Field(None, ge=1, le=2**31 - 1)),
    )


def _field(spec: dict) -> tuple[Any, Any]:
    """(annotation, default) for one column; a nullable column may be left out."""
    kind: Any = _TYPES[spec["dtype"]]
    if "allowed" in spec:
        kind = one_of(*spec["allowed"])
    constraints = {}
    if "min" in spec:
        constraints["ge"] = spec["min"]
    if "max" in spec:
        constraints["le"] = spec["max"]
    description = spec.get("description") or None
    if spec.get("nullable", False):
        return kind | None, Field(None, description=description, **constraints)
    return kind, Field(..., description=description, **constraints)


def one_of(*values: object) -> Any:
    """A Literal of `values` that also refuses a value of another JSON type.

    Pydantic matches a Literal by equality even in strict mode, so `true` would pass as 1 and
    `1.0` as 1; the check before it keeps each value to the type it is declared with.
    """
    types = {type(v) for v in values}

    def same_type(value: object) -> object:
        if type(value) not in types:
            names = " or ".join(sorted(t.__name__ for t in types))
            raise ValueError(f"must be a JSON {names}, not {type(value).__name__}")
        return value

    return Annotated[Literal[values], BeforeValidator(same_type)]

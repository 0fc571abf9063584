"""Week 7's fitted loan pipeline converted to ONNX with skl2onnx, for ONNX Runtime to serve.

skl2onnx converts the ColumnTransformer, StandardScaler, OneHotEncoder, SelectFromModel and
LogisticRegression itself. Three steps need help, registered here for this conversion only
(`custom_*` arguments of `convert_sklearn`, nothing global):
- FunctionTransformer: skl2onnx converts only the identity, since it cannot read a Python
  function. The two functions shared.tabular uses get their ONNX equivalents: `log1p` is
  Log(Max(x, 0) + 1), `to_text` is Cast to string (the graph takes the category columns as
  int64, and ONNX writes an integer as pandas' astype("str") does: 3 -> "3"). Any other function
  is refused with a CompileError naming it.
- SimpleImputer on float64: ONNX-ML's Imputer runs on float32 only, so the median fill is
  Where(IsNaN(x), median, x), which keeps the whole graph in float64: probabilities match
  scikit-learn to rounding (about 1e-16), not to float32's 1e-7.
- SimpleImputer after `to_text`: skl2onnx imputes strings only when the missing marker is a
  string; here it is NaN, and a string tensor (cast from int64) holds no NaN, so the step has
  nothing to fill and is the identity.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from onnx import ModelProto, TensorProto
from skl2onnx import convert_sklearn, get_model_alias
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxCast,
    OnnxConcat,
    OnnxIdentity,
    OnnxIsNaN,
    OnnxLog,
    OnnxMax,
    OnnxWhere,
)
from skl2onnx.common._registration import get_converter
from skl2onnx.common.data_types import DoubleTensorType, Int64TensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from shared import tabular
from shared.artifacts import sidecar_path
from shared.atomic import atomic_path, write_text_atomic
from shared.registry import sha256_of
from week22_capstone.loan.onnx_runtime import PROBABILITIES


class CompileError(ValueError):
    """The pipeline holds a step that cannot be converted to ONNX; the message names it."""


def input_types(pipeline: Pipeline) -> dict[str, str]:
    """Each input column's ONNX type: "int64" where the pipeline casts it to text, else "double"."""
    prep = pipeline.steps[0][1]
    if not isinstance(prep, ColumnTransformer):
        raise CompileError(f"expected a ColumnTransformer first, got {type(prep).__name__}")
    types = {}
    for name, branch, columns in prep.transformers_:
        if name == "remainder":
            continue
        first = branch.steps[0][1] if isinstance(branch, Pipeline) else branch
        text = isinstance(first, FunctionTransformer) and first.func is tabular.to_text
        types.update(dict.fromkeys(columns, "int64" if text else "double"))
    return types


def to_onnx(pipeline: Pipeline) -> ModelProto:
    """Convert a fitted loan pipeline; the graph's output "probabilities" is (n, 2) float64."""
    tensor = {"int64": Int64TensorType, "double": DoubleTensorType}
    initial = [(c, tensor[t]([None, 1])) for c, t in input_types(pipeline).items()]
    try:
        model = convert_sklearn(
            pipeline,
            initial_types=initial,
            options={id(pipeline.steps[-1][1]): {"zipmap": False}},
            custom_parsers={FunctionTransformer: _parse_function},
            custom_shape_calculators={FunctionTransformer: _function_shape},
            custom_conversion_functions={
                FunctionTransformer: _convert_function,
                SimpleImputer: _convert_imputer,
            },
        )
    except CompileError:
        raise
    except (RuntimeError, NotImplementedError) as exc:
        raise CompileError(f"skl2onnx cannot convert this pipeline: {exc}") from exc
    if PROBABILITIES not in [o.name for o in model.graph.output]:
        raise CompileError(f"the graph has no {PROBABILITIES!r} output: not a classifier?")
    return model


def save_onnx(pipeline: Pipeline, path: Path, source: Path, feature_schema: dict) -> Path:
    """Convert `pipeline` (saved as `source`) to `path` with a sidecar naming both sha256s.

    The sidecar has shared.artifacts' shape (read_sidecar checks it) plus `source`: the joblib
    file this graph was converted from, so a graph is never served beside another pipeline.
    """
    path = Path(path)
    model = to_onnx(pipeline)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(model.SerializeToString())
        digest = sha256_of(tmp)
    sidecar = {
        "sha256": digest,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": "onnx",
        "versions": {lib: version(lib) for lib in ("scikit-learn", "skl2onnx", "onnx")},
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "metrics": {},
        "feature_schema": feature_schema,
        "source": {"file": Path(source).name, "sha256": sha256_of(source)},
    }
    write_text_atomic(sidecar_path(path), json.dumps(sidecar, indent=2) + "\n")
    return path


def _parse_function(scope, model: FunctionTransformer, inputs: list, custom_parsers=None) -> list:
    """Declare a FunctionTransformer's output: text for `to_text`, the input's type otherwise."""
    operator = scope.declare_local_operator(get_model_alias(FunctionTransformer), model)
    operator.inputs = inputs
    kind = StringTensorType if model.func is tabular.to_text else type(inputs[0].type)
    operator.outputs.append(scope.declare_local_variable("variable", kind()))
    return operator.outputs


def _function_shape(operator) -> None:
    """A FunctionTransformer here maps each column to one column: the input's shape."""
    operator.outputs[0].type.shape = list(operator.inputs[0].type.shape)


def _convert_function(scope, operator, container) -> None:
    """Write `log1p` or `to_text` as ONNX operators; refuse any other function."""
    func, x, opset = operator.raw_operator.func, operator.inputs[0], container.target_opset
    out = operator.outputs[:1]
    if func is tabular.to_text:
        if not isinstance(x.type, Int64TensorType):
            raise CompileError("to_text converts int64 category inputs only")
        node = OnnxCast(x, to=TensorProto.STRING, op_version=opset, output_names=out)
    elif func is tabular.log1p:
        zero, one = np.zeros(1), np.ones(1)
        clipped = OnnxMax(x, zero, op_version=opset)
        node = OnnxLog(OnnxAdd(clipped, one, op_version=opset), op_version=opset, output_names=out)
    else:
        name = getattr(func, "__qualname__", repr(func))
        raise CompileError(
            f"FunctionTransformer({name}) has no ONNX converter: only shared.tabular's log1p and "
            "to_text are registered (week22_capstone/loan/convert.py)"
        )
    node.add_to(scope, container)


def _convert_imputer(scope, operator, container) -> None:
    """Fill float64 gaps with Where(IsNaN); a NaN marker on strings fills nothing; else skl2onnx."""
    imputer, inputs, opset = operator.raw_operator, operator.inputs, container.target_opset
    out = operator.outputs[:1]
    nan = isinstance(imputer.missing_values, float) and np.isnan(imputer.missing_values)
    if imputer.add_indicator:
        raise CompileError("SimpleImputer(add_indicator=True) is not converted here")
    if nan and isinstance(inputs[0].type, StringTensorType):
        OnnxIdentity(inputs[0], op_version=opset, output_names=out).add_to(scope, container)
    elif nan and isinstance(inputs[0].type, DoubleTensorType):
        x = OnnxConcat(*inputs, axis=1, op_version=opset) if len(inputs) > 1 else inputs[0]
        fill = imputer.statistics_.astype(np.float64).reshape(1, -1)
        missing = OnnxIsNaN(x, op_version=opset)
        OnnxWhere(missing, fill, x, op_version=opset, output_names=out).add_to(scope, container)
    else:
        get_converter(get_model_alias(SimpleImputer))(scope, operator, container)

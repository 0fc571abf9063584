"""The served loan model: week 7's pipeline, its ONNX graph, and week 6's cost-based threshold.

Week 7's pipeline estimates P(the lender approves) for a mortgage application. Whether to approve
is a separate decision with costs: week 6's cost matrix says approving an applicant who should be
refused costs 5, refusing one who should be approved costs 1. `tune_threshold` picks the cut-off
that minimises that cost on out-of-fold probabilities (never on rows the model was fitted on);
the Bayes rule for calibrated probabilities, approve when (1 - p) * 5 < p * 1, i.e. p > 5/6, is
reported beside it. Every decision carries its explanation: the probability, the threshold, and
the expected cost of approving and of refusing. Decisions come from the pipeline converted to
ONNX at training time (convert.py) and run by ONNX Runtime (onnx_runtime.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from shared.artifacts import ArtifactError, load_artifact, save_artifact
from shared.registry import fetch
from week06_advanced_ml.credit_costs import (
    COST_FALSE_APPROVAL,
    COST_FALSE_REJECTION,
    misclassification_cost,
)
from week07_pipelines.loan import (
    LOAN_INPUT_COLUMNS,
    LOAN_SCHEMA,
    TARGET,
    build_pipeline,
    read_loanapp,
)
from week22_capstone.loan.onnx_runtime import LoanOnnx

MODEL_FILE = "loan_model.joblib"
REBUILD_HINT = "rebuild it with `python -m week22_capstone --project loan_api`"
THRESHOLDS = np.round(np.arange(0.05, 1.0, 0.01), 2)
FOLDS = 5


def decision_cost(approved: np.ndarray, approve: np.ndarray) -> float:
    """Week 6's mean cost per applicant, with 'bad' = the lender refused, 'rejected' = we refuse."""
    return misclassification_cost(1 - np.asarray(approved), 1 - np.asarray(approve))


def bayes_threshold() -> float:
    """The probability above which approving has the lower expected cost: 5 / (5 + 1)."""
    return COST_FALSE_APPROVAL / (COST_FALSE_APPROVAL + COST_FALSE_REJECTION)


def tune_threshold(approved: np.ndarray, probability: np.ndarray) -> tuple[float, dict]:
    """The threshold of THRESHOLDS with the least cost on these (out-of-fold) probabilities."""
    costs = [decision_cost(approved, (probability >= t).astype(int)) for t in THRESHOLDS]
    best = float(THRESHOLDS[int(np.argmin(costs))])
    ones = np.ones_like(approved)
    return best, {
        "cost_at_threshold": float(min(costs)),
        "cost_at_half": decision_cost(approved, (probability >= 0.5).astype(int)),
        "cost_at_bayes": decision_cost(approved, (probability >= bayes_threshold()).astype(int)),
        "cost_approve_all": decision_cost(approved, ones),
        "cost_refuse_all": decision_cost(approved, 0 * ones),
    }


def read_applications() -> tuple[pd.DataFrame, pd.Series]:
    """Week 7's 1,989 mortgage applications: the inputs and `approve`."""
    df = read_loanapp(fetch("loanapp"))
    return df[list(LOAN_INPUT_COLUMNS)], df[TARGET]


def out_of_fold(x: pd.DataFrame, y: pd.Series, seed: int = 0) -> np.ndarray:
    """P(approval) of every application from a pipeline that never saw it (stratified K-fold)."""
    cv = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    return cross_val_predict(build_pipeline(seed), x, y, cv=cv, method="predict_proba")[:, 1]


def train_and_save(folder: Path, seed: int = 0) -> tuple[Path, np.ndarray]:
    """Fit week 7's pipeline on every application; save it with its policy, and its ONNX graph.

    Returns the saved joblib file and the out-of-fold probabilities the threshold was tuned on.
    """
    from week22_capstone.loan.convert import save_onnx  # skl2onnx: needed to train, not to serve

    x, y = read_applications()
    oof = out_of_fold(x, y, seed)
    threshold, costs = tune_threshold(y.to_numpy(), oof)
    pipeline = build_pipeline(seed).fit(x, y)
    policy = {
        "threshold": threshold,
        "bayes_threshold": bayes_threshold(),
        "cost_false_approval": COST_FALSE_APPROVAL,
        "cost_false_refusal": COST_FALSE_REJECTION,
        **costs,
    }
    path = save_artifact(
        pipeline,
        Path(folder) / MODEL_FILE,
        metrics={"train_accuracy": float((pipeline.predict(x) == y).mean())},
        feature_schema=LOAN_SCHEMA,
        extra={"policy": policy, "fitted_by": "week22_capstone.loan.model.train_and_save"},
    )
    save_onnx(pipeline, path.with_suffix(".onnx"), path, LOAN_SCHEMA)
    return path, oof


@dataclass(frozen=True)
class Decision:
    """One decision: approve or refuse, the probability, and why."""

    approve: bool
    probability: float
    threshold: float
    explanation: str
    expected_cost_if_approved: float
    expected_cost_if_refused: float


@dataclass(frozen=True)
class LoanModel:
    """The verified pipeline, its ONNX graph and its decision policy (from the sidecar)."""

    pipeline: Pipeline
    sidecar: dict
    onnx: LoanOnnx

    @property
    def version(self) -> str:
        """The first 12 hex digits of the model file's sha256."""
        return str(self.sidecar["sha256"])[:12]

    @property
    def policy(self) -> dict:
        """The threshold, the costs it was chosen under, and its out-of-fold cost."""
        return self.sidecar["policy"]

    def decide(self, inputs: dict) -> Decision:
        """Decide one application (inputs already checked against the schema)."""
        p = self.onnx.probability(inputs)
        return explain(p, self.policy)


def explain(probability: float, policy: dict) -> Decision:
    """The decision for `probability` under `policy`, with its reasons in words."""
    t = float(policy["threshold"])
    approve = probability >= t
    if_approved = (1 - probability) * policy["cost_false_approval"]
    if_refused = probability * policy["cost_false_refusal"]
    text = (
        f"{'approved' if approve else 'refused'}: P(approval) = {probability:.3f} "
        f"{'>=' if approve else '<'} threshold {t:.2f}. The threshold minimises week 6's cost "
        f"matrix on out-of-fold predictions: approving an application that should be refused "
        f"costs {policy['cost_false_approval']:g}, refusing one that should be approved costs "
        f"{policy['cost_false_refusal']:g} (expected cost here: {if_approved:.3f} if approved, "
        f"{if_refused:.3f} if refused)."
    )
    return Decision(approve, probability, t, text, if_approved, if_refused)


def load_loan_model(path: Path) -> LoanModel:
    """Load and verify a saved loan model and the ONNX graph beside it (else ArtifactError)."""
    pipeline, sidecar = load_artifact(path, rebuild_hint=REBUILD_HINT)
    if "policy" not in sidecar:
        raise ValueError(f"{path}: its sidecar has no decision policy; {REBUILD_HINT}")
    graph = Path(path).with_suffix(".onnx")
    if not graph.is_file():
        raise ArtifactError(f"{graph}: no ONNX graph beside the model; {REBUILD_HINT}")
    try:
        onnx = LoanOnnx(graph, sidecar["sha256"])
    except ArtifactError as exc:
        raise ArtifactError(f"{exc}. To fix: {REBUILD_HINT}.") from None
    return LoanModel(pipeline, sidecar, onnx)

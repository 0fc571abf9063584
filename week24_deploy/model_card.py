"""A model card per served model: Markdown written from the saved files' sidecars and metrics.

Mitchell et al., "Model Cards for Model Reporting" (FAT* 2019) list what a card holds: model
details, intended use, the data it was evaluated on, the metrics, caveats. Each is filled from
what the run measured and the sidecar recorded, never typed by hand, so a card cannot drift
from its model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shared.atomic import write_text_atomic


def _table(header: tuple[str, str], rows: Mapping[str, object]) -> list[str]:
    """A two-column Markdown table."""
    lines = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
    return lines + [f"| {key} | {value} |" for key, value in rows.items()]


def _fmt(value: object) -> str:
    """Numbers to 4 significant digits (and small ones in scientific notation), text as is."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def model_card(
    title: str,
    *,
    details: Mapping[str, str],
    files: Mapping[Path, Mapping],
    metrics: Mapping[str, float],
    caveats: list[str],
) -> str:
    """Return the card's Markdown: details, files (format, sha256, versions), metrics, caveats."""
    lines = [f"# Model card: {title}", "", "## Model details", ""]
    lines += _table(("", ""), details)
    lines += ["", "## Files", ""]
    lines += ["| file | format | sha256 | saved with |", "| --- | --- | --- | --- |"]
    for path, side in files.items():
        versions = ", ".join(f"{k} {v}" for k, v in side.get("versions", {}).items())
        digest = str(side["sha256"])[:16]
        lines.append(
            f"| `{path.name}` | {side.get('format', 'joblib')} | `{digest}…` | {versions} |"
        )
    lines += ["", "## Metrics (this run)", ""]
    lines += _table(("metric", "value"), {k: _fmt(v) for k, v in metrics.items()})
    lines += ["", "## Caveats", ""] + [f"- {c}" for c in caveats]
    return "\n".join(lines) + "\n"


def write_card(path: Path, markdown: str) -> Path:
    """Write a card atomically and return its path."""
    write_text_atomic(path, markdown)
    return path

"""The run context a project receives: its flags, where to write, and what it used and made."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from shared import distributed
from shared.atomic import atomic_path
from shared.registry import default_registry

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def staging(out: Path) -> Path:
    """Return the hidden folder where a run's figures wait until its report is written.

    An interrupted rerun into a finished folder thus leaves the old report with its own figures;
    `promote_staged` moves the new ones in just before the new report is written.
    """
    return out / ".staging"


def promote_staged(out: Path) -> None:
    """Move the staged figures into out/figures (each an atomic rename) and drop the staging."""
    staged = staging(out) / "figures"
    if staged.is_dir():
        (out / "figures").mkdir(parents=True, exist_ok=True)
        for path in staged.iterdir():
            path.replace(out / "figures" / path.name)
    discard_staged(out)


def discard_staged(out: Path) -> None:
    """Remove what an interrupted or killed run staged."""
    shutil.rmtree(staging(out), ignore_errors=True)


@dataclass
class RunContext:
    """Everything one project run needs and records; `run(ctx)` fills it as it goes.

    `info` holds facts that are not metrics (which model or precision ran); it is written to
    metrics.json beside the metrics.
    """

    week: int
    project: str
    out: Path
    seed: int = 0
    fast: bool = False
    device: str = "auto"
    datasets: list[dict] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    info: dict[str, str | float | int | bool] = field(default_factory=dict)

    @property
    def figures_dir(self) -> Path:
        """Return where this run's figures go until the report is written (see `staging`)."""
        path = staging(self.out) / "figures"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def models_dir(self) -> Path:
        """Return reports/weekNN/models, created on first use."""
        path = self.out / "models"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def dataset(self, name: str) -> Path:
        """Fetch a registry entry, record its provenance for the report, and return its path."""
        registry = default_registry()
        path = registry.fetch(name)
        if all(d["name"] != name for d in self.datasets):
            record = registry.provenance(name)
            record["description"] = registry.entry(name).description
            record["license"] = registry.entry(name).license
            self.datasets.append(record)
        return path

    def save_figure(self, fig: Figure, name: str, caption: str) -> Path:
        """Save `fig` as figures/<project>_<name>.png with a one-line caption for the report."""
        slug = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
        path = self.figures_dir / f"{self.project}_{slug}.png"
        from shared.plotting import close

        if distributed.is_main():  # under torchrun only rank 0 writes
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=110, format="png")
        close(fig)
        self.figures.append((f"figures/{path.name}", caption))
        return path

    def note(self, markdown: str) -> None:
        """Add a paragraph (Markdown) to this project's section of the report."""
        self.sections.append(markdown.strip())

    def log(self, message: str) -> None:
        """Print a progress line prefixed with the project's name."""
        where = f"rank {distributed.rank()} " if distributed.is_distributed() else ""
        print(f"[{where}{self.project}] {message}", file=sys.stderr, flush=True)

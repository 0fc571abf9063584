"""Recurrent forecasters: an LSTM or GRU reads a window of past days, a linear head forecasts.

`horizon` outputs make a direct multi-output forecaster (one model, all days at once); one
output, applied again and again to its own forecasts, makes a recursive one.
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentForecaster(nn.Module):
    """Map (batch, window, features) to (batch, horizon): last hidden state, then a linear head."""

    def __init__(
        self,
        cell: str,
        n_features: int,
        horizon: int,
        hidden: int = 64,
        layers: int = 1,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, not {cell!r}")
        self.rnn = CELLS[cell](
            n_features,
            hidden,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, horizon))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return one forecast per horizon step for each window in the batch."""
        out, _ = self.rnn(x)
        return self.head(out[:, -1])

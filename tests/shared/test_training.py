"""The shared training loop: it learns, resumes exactly, stops early, and checkpoints safely."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from shared.evaluation import accuracy
from shared.seeding import seed_everything
from shared.training import EarlyStopping, Trainer, model_loss_step, plot_history


def _blobs(n: int = 256, seed: int = 0) -> TensorDataset:
    """Two Gaussian blobs in 2-D: a task a small net learns in a few epochs."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 2, generator=g) + 2.5 * (2 * y[:, None].float() - 1)
    return TensorDataset(x, y)


def _trainer(checkpoint=None, early_stopping=None, seed: int = 0) -> Trainer:
    """A small MLP with dropout, SGD with momentum and a step schedule: plenty of state."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    return Trainer(
        model,
        opt,
        device="cpu",
        scheduler=sched,
        grad_clip=1.0,
        checkpoint=checkpoint,
        early_stopping=early_stopping,
        progress=False,
    )


def _loader(own_generator: bool = False) -> DataLoader:
    """Shuffled batches, drawn from the global RNG or from the loader's own generator."""
    generator = torch.Generator().manual_seed(7) if own_generator else None
    return DataLoader(_blobs(), batch_size=32, shuffle=True, generator=generator)


def test_fit_learns_and_keeps_history() -> None:
    trainer = _trainer()
    history = trainer.fit(_loader(), DataLoader(_blobs(seed=1), batch_size=64), epochs=3)
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} <= set(history[0])
    assert history[-1]["val_accuracy"] > 0.95
    assert history[1]["lr"] == pytest.approx(0.07)


@pytest.mark.parametrize("own_generator", [False, True])
def test_resume_after_epoch_k_matches_uninterrupted_run(tmp_path, own_generator: bool) -> None:
    seed_everything(0)
    full = _trainer()
    full.fit(_loader(own_generator), epochs=4)

    seed_everything(0)
    ckpt = tmp_path / "last.pt"
    first = _trainer(checkpoint=ckpt)
    first.fit(_loader(own_generator), epochs=2)
    torch.manual_seed(123)  # the interruption: anything may happen to the RNGs in between
    resumed = _trainer(seed=99)
    resumed.load_checkpoint(ckpt)
    assert resumed.epoch == 2
    resumed.fit(_loader(own_generator), epochs=4)

    for a, b in zip(
        full.model.state_dict().values(), resumed.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
    assert [r["loss"] for r in full.history] == [r["loss"] for r in resumed.history]
    assert resumed.scheduler.get_last_lr() == full.scheduler.get_last_lr()


def test_checkpoint_loads_with_weights_only_and_leaves_no_temp_files(tmp_path) -> None:
    ckpt = tmp_path / "last.pt"
    _trainer(checkpoint=ckpt).fit(_loader(), epochs=1)
    state = torch.load(ckpt, weights_only=True)
    assert state["epoch"] == 1 and set(state["model"]) == {
        "0.weight",
        "0.bias",
        "3.weight",
        "3.bias",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_early_stopping_stops_and_restores_best_weights() -> None:
    stopper = EarlyStopping(monitor="val_loss", patience=1, min_delta=10.0)
    trainer = _trainer(early_stopping=stopper)
    val = DataLoader(_blobs(seed=1), batch_size=64)
    trainer.fit(_loader(), val, epochs=10)
    assert trainer.stopped_early and len(trainer.history) == 2
    assert trainer.evaluate(val)["loss"] == pytest.approx(trainer.history[0]["val_loss"], rel=1e-5)


def test_early_stopping_rejects_bad_settings_and_unknown_monitor() -> None:
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="up")
    trainer = _trainer(early_stopping=EarlyStopping(monitor="val_loss"))
    with pytest.raises(KeyError, match="val_loss"):
        trainer.fit(_loader(), epochs=1)


def test_evaluate_and_predict_agree_with_a_manual_pass() -> None:
    trainer = _trainer()
    trainer.precision = "fp32"  # the manual pass below is fp32 on every CPU
    data = _blobs(seed=2)
    outputs, targets = trainer.predict(DataLoader(data, batch_size=50))
    with torch.no_grad():
        expected = trainer.model.eval()(data.tensors[0])
    assert torch.allclose(outputs, expected, atol=1e-6)
    scores = trainer.evaluate(DataLoader(data, batch_size=50))
    expected_accuracy = accuracy(targets.numpy(), expected.argmax(1).numpy())
    assert scores["accuracy"] == pytest.approx(expected_accuracy, abs=1e-12)
    assert scores["loss"] == pytest.approx(
        nn.functional.cross_entropy(expected, targets).item(), rel=1e-5
    )


def test_bad_arguments_have_clear_errors(tmp_path) -> None:
    trainer = _trainer()
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit(_loader(), epochs=0)
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        trainer.load_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="scheduler_step"):
        Trainer(
            nn.Linear(2, 2),
            torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1),
            scheduler_step="sometimes",
        )
    with pytest.raises(ValueError, match="not both"):
        Trainer(
            nn.Linear(2, 2),
            torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1),
            nn.CrossEntropyLoss(),
            step=model_loss_step,
        )


def test_plot_history_draws_one_panel_per_metric() -> None:
    trainer = _trainer()
    trainer.fit(_loader(), DataLoader(_blobs(seed=1), batch_size=64), epochs=2)
    fig = plot_history(trainer.history)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2

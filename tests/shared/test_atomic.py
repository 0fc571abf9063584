"""Atomic writes: all or nothing, and files a service running as another user can read."""

from __future__ import annotations

import os
import stat

import pytest

from shared.atomic import atomic_path, write_bytes_atomic, write_text_atomic


def test_written_files_get_the_usual_mode_not_mkstemps_0600(tmp_path) -> None:
    write_text_atomic(tmp_path / "model.json", "{}")
    write_bytes_atomic(tmp_path / "model.bin", b"\0")
    expected = 0o666 & ~_current_umask()
    for name in ("model.json", "model.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected
    assert expected & stat.S_IROTH  # under the default umask 022: 0644, readable by others


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.md"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

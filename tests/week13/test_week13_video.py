"""Week 13: the video sub-command on bad input: a clear error and no half-written output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from week13_cv_advanced.video import VideoError, annotate_video, main, open_source, read_frames


def write_avi(path: Path, n_frames: int) -> Path:
    """Write a small MJPG AVI of random frames."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(n_frames):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    return path


def run_video(tmp_path: Path, source: str, capsys) -> tuple[int, str]:
    code = main(["--source", source, "--out", str(tmp_path / "out" / "annotated.mp4")])
    return code, capsys.readouterr().err


def assert_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())


def test_missing_video_file(tmp_path: Path, capsys) -> None:
    code, err = run_video(tmp_path, str(tmp_path / "nope.mp4"), capsys)
    assert code == 2 and "video file not found" in err
    assert_nothing_written(tmp_path)


def test_unreadable_video_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    code, err = run_video(tmp_path, str(bad), capsys)
    assert code == 2 and "cannot open" in err
    assert_nothing_written(tmp_path)


def test_empty_video(tmp_path: Path, capsys) -> None:
    code, err = run_video(tmp_path, str(write_avi(tmp_path / "empty.avi", 0)), capsys)
    assert code == 2 and "no readable frame" in err
    assert_nothing_written(tmp_path)


def test_camera_index_with_no_camera(tmp_path: Path, capsys) -> None:
    code, err = run_video(tmp_path, "9", capsys)
    assert code == 2 and "no camera at index 9" in err
    assert_nothing_written(tmp_path)


def test_frame_that_cannot_be_decoded_is_an_error(tmp_path: Path) -> None:
    video = write_avi(tmp_path / "ok.avi", 20)
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(VideoError, match=r"frame \d+ of 20 could not be decoded"):
        list(read_frames(open_source(str(truncated)), truncated.name))


def test_error_mid_video_leaves_no_output_file(tmp_path: Path) -> None:
    class Nothing:
        def process(self, frame):
            return []

        annotate = staticmethod(lambda frame, faces: frame)

    def frames():
        yield np.zeros((48, 64, 3), np.uint8)
        raise VideoError("frame 2 of 9 could not be decoded")

    out = tmp_path / "out" / "annotated.mp4"
    with pytest.raises(VideoError):
        annotate_video(frames(), out, Nothing(), fps=10, progress=False)
    assert not any(out.parent.iterdir())
    assert (
        annotate_video(
            iter([np.zeros((48, 64, 3), np.uint8)] * 3), out, Nothing(), 10, progress=False
        )["frames"]
        == 3
    )
    assert out.is_file() and [p.name for p in out.parent.iterdir()] == ["annotated.mp4"]


def test_out_must_be_an_mp4(tmp_path: Path, capsys) -> None:
    assert main(["--source", "0", "--out", str(tmp_path / "x.avi")]) == 2
    assert ".mp4" in capsys.readouterr().err

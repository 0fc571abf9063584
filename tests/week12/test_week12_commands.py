"""Week 12: the classify and count-coins sub-commands, including bad input files."""

from __future__ import annotations

import pytest

from shared.registry import default_registry
from week12_opencv.commands import classify, count_coins
from week12_opencv.images import read_image


def test_count_coins_writes_the_outlined_picture(tmp_path, capsys) -> None:
    out = tmp_path / "outlined.png"
    assert count_coins([str(default_registry().fetch("skimage_coins")), "--out", str(out)]) == 0
    assert ": 24 coins" in capsys.readouterr().out
    assert read_image(out).shape == (303, 384, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no image file at"),
        (b"", "is not an image OpenCV can decode"),
        (b"GIF89a junk", "is not an image OpenCV can decode"),
    ],
)
def test_count_coins_refuses_bad_input_and_writes_nothing(tmp_path, capsys, content, message):
    image = tmp_path / "coins.png"
    if content is not None:
        image.write_bytes(content)
    out = tmp_path / "outlined.png"
    assert count_coins([str(image), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_count_coins_refuses_an_unknown_output_format(tmp_path, capsys) -> None:
    coins = str(default_registry().fetch("skimage_coins"))
    assert count_coins([coins, "--out", str(tmp_path / "outlined.xyz")]) == 2
    assert "no encoder for '.xyz'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_classify_names_the_cat(capsys) -> None:
    assert classify([str(default_registry().fetch("skimage_chelsea")), "--top", "3"]) == 0
    line = capsys.readouterr().out
    assert "chelsea.png:" in line and any(c in line for c in ("tabby", "tiger cat", "Egyptian cat"))


def test_classify_stops_at_the_first_bad_file(tmp_path, capsys) -> None:
    good = str(default_registry().fetch("skimage_chelsea"))
    assert classify([good, str(tmp_path / "missing.jpg")]) == 2
    assert "missing.jpg" in capsys.readouterr().err

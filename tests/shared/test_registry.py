"""The registry client: checksums, mirror fallback, corrupt caches, folders, concurrent fetches."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

import shared.atomic
import shared.registry
from shared.mirrors import Mirror, MirrorError, extract_member, unpack_archive
from shared.registry import DatasetError, Registry, folder_digest, load_registry, sha256_of

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
        assert all(len(m.sha256) == 64 and m.size > 0 for m in entry.members), entry.name
    assert entries["flower_photos"].layout == "archive"
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        m.path for m in entries["all_minilm_l6_v2"].members
    }


# --- cache markers and the re-hash policy ------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    [
        "[1, 2]",
        "null",
        '"text"',
        "{}",
        '{"sha256": 5, "mirror": "url", "size": 1, "mtime_ns": 1}',
        '{"sha256": "ab", "mirror": "url", "size": "30000", "mtime_ns": []}',
        '{"sha256": "ab", "mirror": "url", "files": {"x": null}}',
    ],
)
def test_ill_formed_file_marker_counts_as_missing(tmp_path, upstream, marker):
    """Valid JSON of the wrong shape is treated like no marker: the file is re-hashed."""
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    marker_file = path.with_name("toy.csv.verified.json")
    marker_file.write_text(marker)
    upstream.unlink()  # so only re-verifying the cached copy can succeed
    registry = Registry(registry_file, cache=tmp_path / "cache")
    assert registry.provenance("toy") == {"name": "toy", "sha256": "", "mirror": ""}
    assert registry.fetch("toy").read_bytes() == PAYLOAD
    assert json.loads(marker_file.read_text())["sha256"] == PAYLOAD_SHA


def test_same_size_edit_with_mtime_restored_is_caught_at_once(tmp_path, upstream):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    registry = Registry(registry_file, cache=tmp_path / "cache")
    path = registry.fetch("toy")
    _tamper_keeping_stat(path)  # its ctime moved, which no one can put back
    assert registry.fetch("toy").read_bytes() == PAYLOAD


def test_a_big_file_with_a_flipped_byte_is_never_handed_back(tmp_path, monkeypatch):
    """Issue 26: a cached file of 50 MB or more, same size and mtime, was trusted unread."""
    big = tmp_path / "upstream" / "big.bin"
    big.parent.mkdir()
    big.write_bytes(bytes(50_000_001))
    registry_file = write_toml(
        tmp_path,
        '[big]\ndescription = "zeros"\nlicense = "CC0"\nfilename = "big.bin"\n'
        f'sha256 = "{sha256_of(big)}"\nsize = 50000001\nmirrors = [{url_mirror(big)}]\n',
    )
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("big")
    _tamper_keeping_stat(path)
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("big").read_bytes()[0] == 0
    _flip_a_bit_on_disk(path)  # size, mtime, inode and ctime all as recorded
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("big").read_bytes()[0] == 0


def test_cache_hits_hash_once_per_process_and_again_after_any_change(
    tmp_path, upstream, monkeypatch
):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    hashed = []
    monkeypatch.setattr(shared.registry, "sha256_of", lambda p: hashed.append(p) or PAYLOAD_SHA)
    registry = Registry(registry_file, cache=tmp_path / "cache")
    for _ in range(3):
        path = registry.fetch("toy")
    assert len(hashed) == 1
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))  # ctime moves
    registry.fetch("toy")
    assert len(hashed) == 2
    Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    assert len(hashed) == 3  # a new process hashes again, whatever the size


def test_trust_cache_skips_the_hash_only_while_size_mtime_inode_and_ctime_match(
    tmp_path, upstream, monkeypatch
):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    monkeypatch.setenv("ML_ROADMAP_TRUST_CACHE", "1")
    hashed = []
    real = shared.registry.sha256_of
    monkeypatch.setattr(shared.registry, "sha256_of", lambda p: hashed.append(p) or real(p))
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("toy") == path
    assert hashed == []
    _tamper_keeping_stat(path)
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("toy").read_bytes() == PAYLOAD
    assert hashed


def test_a_record_from_before_inode_and_ctime_is_rehashed_and_completed(tmp_path, upstream):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    marker_file = path.with_name("toy.csv.verified.json")
    old = {k: v for k, v in json.loads(marker_file.read_text()).items() if k in OLD_FIELDS}
    marker_file.write_text(json.dumps(old))
    upstream.unlink()
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("toy") == path
    assert set(json.loads(marker_file.read_text())) == {*OLD_FIELDS, "inode", "ctime_ns"}


OLD_FIELDS = ("sha256", "mirror", "size", "mtime_ns")


def _deny_writes_under(folder: Path, monkeypatch) -> None:
    """Make `folder` act read-only (the tests run as root, for whom chmod changes nothing)."""
    denied = PermissionError(13, "Permission denied")

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if folder in Path(path).parents:
            raise denied
        real_unlink(path, missing_ok=missing_ok)

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and (folder == Path(dir) or folder in Path(dir).parents):
            raise denied
        return real_mkstemp(*args, dir=dir, **kwargs)

    real_unlink, real_mkstemp = Path.unlink, shared.atomic.tempfile.mkstemp
    monkeypatch.setattr(Path, "unlink", unlink)
    monkeypatch.setattr(shared.atomic.tempfile, "mkstemp", mkstemp)


def test_a_read_only_cache_with_a_bad_copy_is_one_clear_error(tmp_path, upstream, monkeypatch):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    path.write_bytes(b"X" + PAYLOAD[1:])
    _deny_writes_under(tmp_path / "cache", monkeypatch)
    with pytest.raises(DatasetError) as info:
        Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    message = str(info.value)
    assert "\n" not in message and "'toy'" in message and "Permission denied" in message
    assert "ML_ROADMAP_CACHE" in message


def test_a_read_only_cache_with_a_good_copy_still_serves_it(tmp_path, upstream, monkeypatch):
    registry_file = write_registry(tmp_path, [url_mirror(upstream)])
    path = Registry(registry_file, cache=tmp_path / "cache").fetch("toy")
    marker_file = path.with_name("toy.csv.verified.json")
    marker_file.write_text("{}")  # so the good copy's record would need rewriting
    _deny_writes_under(tmp_path / "cache", monkeypatch)
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("toy") == path
    assert marker_file.read_text() == "{}"


def test_leftovers_of_a_killed_fetch_are_cleaned_up(tmp_path, upstream):
    registry = Registry(write_registry(tmp_path, [url_mirror(upstream)]), cache=tmp_path / "cache")
    (tmp_path / "cache" / "toy" / ".toy.csv.fetch-killed" / "folder").mkdir(parents=True)
    (tmp_path / "cache" / "toy" / ".toy.csv.x1.part").write_bytes(b"half")
    registry.fetch("toy")
    assert sorted(p.name for p in (tmp_path / "cache" / "toy").iterdir()) == [
        "toy.csv",
        "toy.csv.lock",
        "toy.csv.verified.json",
    ]


def _tamper_keeping_stat(path: Path) -> None:
    """Change one byte of `path` and put its mtime back: only a re-hash can notice."""
    stat = path.stat()
    data = path.read_bytes()
    path.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _flip_a_bit_on_disk(path: Path) -> None:
    """Change one byte of `path` and record its new stat as verified: as a disk's bit rot looks."""
    _tamper_keeping_stat(path)
    marker_file = path.with_name(path.name + ".verified.json")
    marker = json.loads(marker_file.read_text())
    stat = path.stat()
    marker.update(inode=stat.st_ino, ctime_ns=stat.st_ctime_ns)
    marker_file.write_text(json.dumps(marker))


# --- folder entries ----------------------------------------------------------------------------

MODEL_FILES = {
    "config.json": b'{"hidden_size": 32}',
    "tokenizer.json": b'{"vocab": ["[PAD]", "the"]}' * 50,
    "weights/model.safetensors": bytes(range(256)) * 40,
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(text)
    return path


def model_wheel(tmp_path: Path) -> Path:
    """A wheel holding a model folder (and a file the entry does not ask for)."""
    wheel = tmp_path / "upstream" / "toymodel-1.0-py3-none-any.whl"
    wheel.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in MODEL_FILES.items():
            zf.writestr(f"toymodel/model/{path}", data)
        zf.writestr("toymodel/__init__.py", b"")
    return wheel


def members_registry(tmp_path: Path, wheel: Path, bad: str | None = None) -> Path:
    """A registry with one folder-of-members entry `model`; `bad` gets a wrong sha256."""
    rows = ",\n".join(
        f'  {{ path = "{p}", sha256 = "{"0" * 64 if p == bad else sha(d)}", size = {len(d)} }}'
        for p, d in MODEL_FILES.items()
    )
    return write_toml(
        tmp_path,
        '[model]\ndescription = "a toy model folder"\nlicense = "CC0"\nfolder = "toy-model"\n'
        f"members = [\n{rows}\n]\n"
        f'mirrors = [{{ kind = "url", spec = "{wheel.as_uri()}", member = "toymodel/model" }}]\n',
    )


def archive_registry(tmp_path: Path, archive: Path) -> Path:
    """A registry with one archive-folder entry `mail` served from `archive`."""
    return write_toml(
        tmp_path,
        '[mail]\ndescription = "a toy mail archive"\nlicense = "CC0"\nfolder = "mail"\n'
        f'sha256 = "{sha256_of(archive)}"\nsize = {archive.stat().st_size}\n'
        f'mirrors = [{{ kind = "url", spec = "{archive.as_uri()}" }}]\n',
    )


def mail_archive(path: Path, files: dict[str, bytes]) -> Path:
    """A .tgz holding `files` (names may be hostile: the test decides)."""
    path.parent.mkdir(exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def cache_listing(cache: Path, name: str) -> list[str]:
    """Everything in an entry's cache folder but its lock file."""
    return sorted(p.name for p in (cache / name).iterdir() if not p.name.endswith(".lock"))


def test_folder_of_members_is_fetched_verified_and_cached(tmp_path):
    wheel = model_wheel(tmp_path)
    registry = Registry(members_registry(tmp_path, wheel), cache=tmp_path / "cache")
    folder = registry.fetch("model")
    assert folder == tmp_path / "cache" / "model" / "toy-model" and folder.is_dir()
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == set(
        MODEL_FILES
    )
    for path, data in MODEL_FILES.items():
        assert (folder / path).read_bytes() == data
    listing = "".join(f"{sha(MODEL_FILES[p])}  {p}\n" for p in sorted(MODEL_FILES))
    digest = hashlib.sha256(listing.encode()).hexdigest()
    assert digest == folder_digest({p: sha(d) for p, d in MODEL_FILES.items()})
    assert registry.provenance("model") == {"name": "model", "sha256": digest, "mirror": "url"}
    wheel.unlink()
    assert Registry(members_registry(tmp_path, wheel), cache=tmp_path / "cache").fetch("model")


def test_one_bad_member_names_it_and_leaves_nothing(tmp_path):
    wheel = model_wheel(tmp_path)
    registry_file = members_registry(tmp_path, wheel, bad="tokenizer.json")
    registry = Registry(registry_file, cache=tmp_path / "cache")
    with pytest.raises(DatasetError) as info:
        registry.fetch("model")
    message = str(info.value)
    assert "could not fetch dataset 'model'" in message
    actual = sha(MODEL_FILES["tokenizer.json"])
    assert f"member tokenizer.json: sha256 mismatch: expected {'0' * 64}, got {actual}" in message
    assert cache_listing(tmp_path / "cache", "model") == []


@pytest.mark.parametrize("damage", ["edit", "same_size_same_mtime", "delete", "add"])
def test_damaged_member_of_a_cached_folder_is_refetched(tmp_path, damage, capsys):
    registry_file = members_registry(tmp_path, model_wheel(tmp_path))
    folder = Registry(registry_file, cache=tmp_path / "cache").fetch("model")
    member = folder / "weights" / "model.safetensors"
    if damage == "edit":
        member.write_bytes(b"X" + member.read_bytes()[1:])
    elif damage == "same_size_same_mtime":
        _tamper_keeping_stat(member)
    elif damage == "delete":
        member.unlink()
    else:
        (folder / "added_tokens.json").write_text("{}")
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("model") == folder
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == set(
        MODEL_FILES
    )
    assert member.read_bytes() == MODEL_FILES["weights/model.safetensors"]
    err = capsys.readouterr().err
    assert "model: cached copy" in err and "re-fetching" in err
    if damage in ("edit", "same_size_same_mtime"):
        assert "member weights/model.safetensors is corrupt" in err


def test_ill_formed_folder_marker_counts_as_missing(tmp_path):
    wheel = model_wheel(tmp_path)
    registry_file = members_registry(tmp_path, wheel)
    folder = Registry(registry_file, cache=tmp_path / "cache").fetch("model")
    marker = folder.with_name("toy-model.verified.json")
    for bad in ("[1, 2]", "null", '{"sha256": "ab", "mirror": "url", "files": [1]}'):
        marker.write_text(bad)
        wheel.unlink(missing_ok=True)  # re-verifying the members is the only way to succeed
        assert Registry(registry_file, cache=tmp_path / "cache").fetch("model") == folder
        assert set(json.loads(marker.read_text())["files"]) == set(MODEL_FILES)


def test_archive_folder_is_verified_then_unpacked_whole(tmp_path, capsys):
    files = {"package/data/ham/1.txt": b"hello", "package/data/spam/2.txt": b"buy now" * 99}
    archive = mail_archive(tmp_path / "upstream" / "mail.tgz", files)
    registry_file = archive_registry(tmp_path, archive)
    folder = Registry(registry_file, cache=tmp_path / "cache").fetch("mail")
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == set(
        files
    )
    assert (folder / "package/data/spam/2.txt").read_bytes() == files["package/data/spam/2.txt"]
    provenance = Registry(registry_file, cache=tmp_path / "cache").provenance("mail")
    assert provenance == {"name": "mail", "sha256": sha256_of(archive), "mirror": "url"}
    assert cache_listing(tmp_path / "cache", "mail") == ["mail", "mail.verified.json"]
    _tamper_keeping_stat(folder / "package/data/ham/1.txt")
    assert Registry(registry_file, cache=tmp_path / "cache").fetch("mail") == folder
    assert (folder / "package/data/ham/1.txt").read_bytes() == b"hello"
    assert "member package/data/ham/1.txt is corrupt" in capsys.readouterr().err


def test_hostile_archive_is_refused_and_nothing_is_half_unpacked(tmp_path):
    files = {"data/ok.txt": b"fine", "../escaped.txt": b"evil"}
    archive = mail_archive(tmp_path / "upstream" / "mail.tgz", files)
    registry = Registry(archive_registry(tmp_path, archive), cache=tmp_path / "cache")
    with pytest.raises(DatasetError, match="refusing unsafe member"):
        registry.fetch("mail")
    assert cache_listing(tmp_path / "cache", "mail") == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_unpack_archive_checks_zip_paths(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", b"fine")
        zf.writestr("../../escaped.txt", b"evil")
    with pytest.raises(MirrorError, match=r"unsafe member path '\.\./\.\./escaped"):
        unpack_archive(archive, tmp_path / "out")
    assert not list(tmp_path.rglob("escaped.txt")) and not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('filename = "a.csv"\nfolder = "a"\nsha256 = "ab"\nsize = 1', "exactly one of"),
        ('folder = "a"\nmembers = [{ path = "../x", sha256 = "ab", size = 1 }]', "relative"),
        ('folder = "a"\nmembers = []', "at least one file"),
        ('folder = "a"\nsha256 = "ab"\nmembers = [{ path = "x", sha256 = "ab", size = 1 }]', "own"),
    ],
)
def test_malformed_folder_entries_are_named(tmp_path, table, problem):
    path = write_toml(
        tmp_path,
        f'[bad]\ndescription = "d"\nlicense = "l"\n{table}\n'
        'mirrors = [{ kind = "url", spec = "file:///x" }]\n',
    )
    with pytest.raises(DatasetError, match=rf"\[bad\] is malformed: .*{problem}"):
        load_registry(path)

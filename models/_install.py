"""Download, verify and unpack model archives, atomically.

The archive streams to a temporary file beside the destination while its SHA-256 is computed;
a wrong hash, a wrong size, a truncated download or a bad archive leaves nothing behind. The
unpacked folder is checked, then renamed into place in one step, so a model folder is either
the old one or the complete new one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CHUNK = 1 << 16
REQUIRED = ("am", "conf")  # what a Vosk model folder must hold


class ModelInstallError(RuntimeError):
    """The model could not be installed; nothing was left behind."""


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    url: str
    sha256: str
    size_bytes: int
    max_bytes: int
    archive_root: str
    description: str = ""


def load_manifest(path: Path | None = None) -> dict[str, ManifestEntry]:
    text = (
        path.read_text("utf-8")
        if path
        else resources.files("models").joinpath("manifest.toml").read_text("utf-8")
    )
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ModelInstallError(
            f"model manifest {path or 'built-in'} is not valid TOML: {e}"
        ) from e
    return {name: ManifestEntry(name=name, **fields) for name, fields in raw.items()}


Progress = Callable[[int, int], None]


def install(entry: ManifestEntry, models_dir: Path, progress: Progress | None = None) -> Path:
    """Install ``entry`` as ``models_dir/entry.name``; return that folder."""
    models_dir.mkdir(parents=True, exist_ok=True)
    work = models_dir / f".{entry.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        archive = _download(entry, work / "archive", progress)
        root = _unpack(entry, archive, work / "unpacked")
        return _swap_in(root, models_dir / entry.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download(entry: ManifestEntry, target: Path, progress: Progress | None) -> Path:
    digest, received = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(entry.url, timeout=60) as response, target.open("wb") as out:
            total = int(response.headers.get("Content-Length") or entry.size_bytes or 0)
            while chunk := response.read(CHUNK):
                received += len(chunk)
                if received > entry.max_bytes:
                    raise ModelInstallError(
                        f"{entry.url} is larger than the {entry.max_bytes} bytes expected; "
                        "not installed"
                    )
                digest.update(chunk)
                out.write(chunk)
                if progress:
                    progress(received, total)
    except (urllib.error.URLError, OSError) as e:
        raise ModelInstallError(f"download of {entry.url} failed: {e}; nothing installed") from e
    _verify(entry, received, digest.hexdigest())
    return target


def _verify(entry: ManifestEntry, size: int, sha256: str) -> None:
    if entry.size_bytes and size != entry.size_bytes:
        raise ModelInstallError(
            f"{entry.name}: got {size} bytes, expected {entry.size_bytes} (truncated or "
            "changed download); nothing installed, try again"
        )
    if sha256 != entry.sha256:
        raise ModelInstallError(
            f"{entry.name}: SHA-256 {sha256} does not match the pinned {entry.sha256} "
            f"({size} bytes received: corrupted, truncated or replaced upstream); nothing installed"
        )


def _unpack(entry: ManifestEntry, archive: Path, into: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                resolved = (into / member).resolve()
                if not resolved.is_relative_to(into.resolve()):
                    raise ModelInstallError(f"{entry.name}: archive member {member!r} escapes")
            z.extractall(into)
    except zipfile.BadZipFile as e:
        raise ModelInstallError(f"{entry.name}: not a valid zip archive ({e})") from e
    root = into / entry.archive_root
    missing = [d for d in REQUIRED if not (root / d).is_dir()]
    if missing:
        raise ModelInstallError(
            f"{entry.name}: the archive has no {entry.archive_root}/{missing[0]}/; not a model"
        )
    return root


def _swap_in(new: Path, final: Path) -> Path:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    try:
        new.rename(final)
    except OSError:
        if old.exists():
            old.rename(final)  # put the previous model back
        raise
    shutil.rmtree(old, ignore_errors=True)
    return final

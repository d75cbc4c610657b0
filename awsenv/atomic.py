"""Crash-safe file replacement, shared by the cache and the credentials-file editor."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path, root: Path | None = None) -> None:
    """Create `path` (and parents) as 0700, and tighten it, and each directory
    above it up to `root`, where they exist looser. (mkdir applies its mode to
    the last directory only.)"""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for directory in (path, *path.parents):
        mode = stat.S_IMODE(directory.stat().st_mode)
        if os.name == "posix" and mode & 0o077:
            directory.chmod(PRIVATE_DIR)
        if directory == (root or path):
            break


def write_atomic(path: Path, data: bytes, *, new_mode: int = PRIVATE_FILE) -> None:
    """Replace the file at `path` with `data`, all or nothing.

    A symlink is written through (its target is replaced), so the link survives.
    An existing file keeps its permissions; a new one gets `new_mode`. The data is
    fsynced before the rename and the directory after it, so a crash leaves either
    the old file or the new one, never a torn one.
    """
    real = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except FileNotFoundError:
        mode = new_mode
        real.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    import tempfile  # lazily: it costs more than the rest of this module

    fd, tmp_name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(real.parent)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

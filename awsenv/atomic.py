"""Crash-safe file replacement, shared by the cache and the credentials-file editor."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from awsenv import ownership

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path, root: Path | None = None) -> None:
    """Make `path` a directory that only this user can write, whatever the umask.

    Every missing directory on the way, `path` and its parents (a fresh
    `~/.cache`, say), is created 0700. The directories from `root` down are
    awsenv's own: existing ones are tightened to 0700 and must pass the
    ownership rule, else Untrusted. Existing directories above `root`, or all
    of them without a `root`, are not awsenv's (a user's 0755 `~/.cache`) and
    are left exactly as they are. Root never creates a directory inside
    another user's (see ownership.foreign_owner)."""
    own = set() if root is None else {d for d in (path, *path.parents) if root in (d, *d.parents)}
    for directory in reversed((path, *path.parents)):
        try:
            st = os.lstat(directory)
        except FileNotFoundError:
            _make_private_dir(directory)
            st = os.lstat(directory)
        if directory not in own:
            continue
        ours = ownership.CHECKED and stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()
        if ours and stat.S_IMODE(st.st_mode) & 0o077:
            directory.chmod(PRIVATE_DIR)
            st = os.lstat(directory)
        why = ownership.why_untrusted(st, directory=True)
        if why is not None:
            raise ownership.Untrusted(str(directory), why)


def _make_private_dir(directory: Path) -> None:
    other = ownership.foreign_owner(str(directory))
    if other is not None:
        raise ownership.Untrusted(
            str(directory), f"would be root's, inside a directory of uid {other}"
        )
    # Created 0700 at once: a mkdir under a loose umask followed by a chmod
    # would leave a moment in which another user could put something inside.
    old = os.umask(0o077)
    try:
        # exist_ok: another awsenv may make it first; the caller's checks still apply.
        directory.mkdir(PRIVATE_DIR, exist_ok=True)
    finally:
        os.umask(old)


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
        ensure_private_dir(real.parent)
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

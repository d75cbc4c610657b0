"""The one rule for trusting awsenv's own state: only what its owner could have written.

A cache entry or a memo is trusted only when it, and every directory from the
cache root down to it, belongs to the user running awsenv (the effective uid)
and is writable by nobody else. Anything another user could have planted or
swapped is refused. Windows has no uids: there the profile directory's ACLs
protect the cache, and the check is skipped.

Cheap to import (os, stat and errno only): the fast path uses it.
"""

from __future__ import annotations

import errno
import os
import stat

# Annotations only: mypy sees them, the interpreter never imports them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

CHECKED = hasattr(os, "geteuid")


class Untrusted(OSError):
    """A file or directory of awsenv's that someone else could have written.
    An OSError, so that every path that already treats an unusable cache as a
    miss treats this one so too."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(errno.EPERM, f"{path} {why}", path)
        self.path = path
        self.why = why


def why_untrusted(st: os.stat_result, *, directory: bool, also: int | None = None) -> str | None:
    """Why a file with this (l)stat must not be trusted, or None when it may.
    `also` is one more uid it may belong to (root using a user's own lock)."""
    if not CHECKED:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "is a symlink"
    if directory and not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    if not directory and not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if st.st_uid != os.geteuid() and st.st_uid != also:
        return f"belongs to uid {st.st_uid}, not to you (uid {os.geteuid()})"
    if st.st_mode & 0o022:
        return f"is writable by others (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def is_private(st: os.stat_result, *, directory: bool) -> bool:
    return why_untrusted(st, directory=directory) is None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: a FIFO in the entry's place must not hang the call.
_FILE_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)
_BY_FD = os.open in os.supports_dir_fd


def open_private(root: str, names: Sequence[str]) -> int:
    """Open the file root/names[0]/.../names[-1] for reading, and return its fd,
    only when the root, each directory below it and the file itself pass
    `why_untrusted`. Each step is opened relative to the one above it, without
    following symlinks, so nothing can be swapped in between the check and the
    read. Raises Untrusted naming the first step that fails, or OSError
    (FileNotFoundError) when something is simply not there."""
    if not CHECKED:
        return os.open(os.path.join(root, *names), _FILE_FLAGS)
    path = root
    fd = _open_checked(root, None, path, directory=True)
    try:
        for index, name in enumerate(names):
            path = os.path.join(path, name)
            last = index == len(names) - 1
            if _BY_FD:
                child = _open_checked(name, fd, path, directory=not last)
            else:
                child = _open_checked(path, None, path, directory=not last)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_checked(name: str, dir_fd: int | None, path: str, *, directory: bool) -> int:
    try:
        fd = os.open(name, _DIR_FLAGS if directory else _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK: BSD)
            raise Untrusted(path, "is a symlink") from None
        # ENOTDIR: this step is a file, or (for the root) something above it is.
        if exc.errno == errno.ENOTDIR and (dir_fd is not None or os.path.lexists(path)):
            raise Untrusted(path, "is not a directory") from None
        raise
    why = why_untrusted(os.fstat(fd), directory=directory)
    if why is not None:
        os.close(fd)
        raise Untrusted(path, why)
    return fd


def foreign_owner(path: str) -> int | None:
    """The uid of the other user whose directory `path` is, or None when awsenv
    may use it. An existing `path` is foreign when someone else owns it. A
    missing one is foreign only to root, when the nearest directory above it
    belongs to someone else: root run with a user's HOME (sudo -E) must not
    leave root-owned state there, which would lock the user out of it."""
    if not CHECKED:
        return None
    euid = os.geteuid()
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None if euid != 0 else _owner_above(path)
    except OSError:
        return None  # unusable (a file in the way): writing it fails with its own warning
    return None if st.st_uid == euid else st.st_uid


def _owner_above(path: str) -> int | None:
    parent = os.path.dirname(path)
    while parent != path:
        try:
            uid = os.stat(parent).st_uid
        except FileNotFoundError:
            path, parent = parent, os.path.dirname(parent)
            continue
        except OSError:
            return None
        return None if uid == 0 else uid
    return None

"""Crash-safe file replacement, shared by the cache and the credentials-file editor."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

from awsenv import ownership

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(
    path: Path, root: Path | None = None, made: list[Path] | None = None
) -> None:
    """Make `path` a directory that only this user can write, whatever the umask.

    Every missing directory on the way, `path` and its parents (a fresh
    `~/.cache`, say), is created 0700. The directories from `root` down are
    awsenv's own: existing ones are tightened to 0700 and must pass the
    ownership rule, else Untrusted. Existing directories above `root`, or all
    of them without a `root`, are not awsenv's (a user's 0755 `~/.cache`) and
    are left exactly as they are. Root never creates a directory inside
    another user's (see ownership.foreign_owner). The directories it creates
    are appended to `made`, so a run that fails can take them away again."""
    own = set() if root is None else {d for d in (path, *path.parents) if root in (d, *d.parents)}
    for directory in reversed((path, *path.parents)):
        try:
            st = os.lstat(directory)
        except FileNotFoundError:
            _make_private_dir(directory)
            if made is not None:
                made.append(directory)
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


# awsenv's temp files: `.<target>.awsenv-<pid>-<random>.tmp`, next to the target.
# They hold secrets, so a later run removes those a dead or old writer left.
TEMP_PATTERN = re.compile(r"\..+\.awsenv-(?P<pid>\d+)-[0-9a-f]{12}\.tmp", re.DOTALL)
STALE_AFTER = 60.0  # seconds; no write takes that long between create and rename


class ChangedMeanwhile(Exception):
    """The file to be replaced changed while its replacement was written (a
    writer that takes no lock, such as `aws configure set` or an editor):
    nothing was replaced, and the caller may redo its edit on the new text."""


class OwnerNotKept(PermissionError):
    """The replacement of an existing file could not be given that file's owner
    and group (awsenv runs as another user and may not chown)."""

    def __init__(self, exc: OSError, uid: int, gid: int) -> None:
        super().__init__(exc.errno, exc.strerror)
        self.uid = uid
        self.gid = gid


def write_atomic(
    path: Path,
    data: bytes,
    *,
    new_mode: int = PRIVATE_FILE,
    unchanged: Callable[[], bool] | None = None,
    private: bool = False,
) -> None:
    """Replace the file at `path` with `data`, all or nothing.

    A symlink is written through (its target is replaced), so the link survives.
    An existing file keeps its mode, owner and group (awsenv run as root with the
    user's HOME must not hand the user's file to root); a new one gets `new_mode`
    and, when root creates it, the owner of its directory. The data is fsynced
    before the rename and the directory after it, so a crash leaves either the
    old file or the new one, never a torn one. The temp file is created 0600
    with O_EXCL and removed on every failure path; a SIGKILL can still leave one,
    which the next write into the same directory, or the next run's commit,
    removes (`remove_stale_temps`).

    `unchanged`, when given, is asked right before the rename whether the file
    still holds what `data` was made from; if not, nothing is replaced and
    ChangedMeanwhile is raised. Writers that take no lock then lose their
    edit only if it lands between that question and the rename, not anywhere
    in the (slow) fsync before it.

    `private`: the file holds secrets, so an existing one loses any bit for
    group and others (a token file another tool left 0644).
    """
    real = Path(os.path.realpath(path))
    owner: tuple[int, int] | None
    try:
        existing = real.stat()
        mode = stat.S_IMODE(existing.st_mode) & (0o600 if private else 0o7777)
        owner = (existing.st_uid, existing.st_gid)
    except FileNotFoundError:
        mode = new_mode
        make_parents(real.parent)
        owner = _owner_for_new_file(real.parent)
    remove_stale_temps(real.parent)
    fd, tmp = _create_temp(real)
    try:
        with os.fdopen(fd, "wb") as handle:
            _give_owner(handle.fileno(), owner)
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)  # after chown, which may clear bits
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if unchanged is not None and not unchanged():
            raise ChangedMeanwhile(str(real))
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(real.parent)


def remove_stale_temps(directory: Path, *, now: float | None = None) -> None:
    """Delete awsenv's own temp files in `directory` that no writer will rename:
    those of a process that is gone, and any older than STALE_AFTER. Only regular
    files named by TEMP_PATTERN and (on POSIX) owned by this user; nothing else
    is touched. Windows has no cheap liveness test: age alone decides there."""
    posix = os.name == "posix"
    now = time.time() if now is None else now
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for temp in entries:
        match = TEMP_PATTERN.fullmatch(temp.name)
        if not match:
            continue
        try:
            info = temp.lstat()
            if not stat.S_ISREG(info.st_mode) or (posix and info.st_uid != os.geteuid()):
                continue
            old = now - info.st_mtime > STALE_AFTER
            if old or (posix and not _alive(int(match.group("pid")))):
                temp.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number no process has
    try:  # Linux: a killed writer is a zombie until it is reaped, and as dead
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _create_temp(real: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = real.parent / f".{real.name}.awsenv-{os.getpid()}-{os.urandom(6).hex()}.tmp"
        try:
            return os.open(tmp, flags, PRIVATE_FILE), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(real.parent))


def _owner_for_new_file(directory: Path) -> tuple[int, int] | None:
    # root writing into someone else's directory (sudo -E keeps HOME) creates
    # the file for that someone, so they are not locked out of it.
    if os.name != "posix" or os.geteuid() != 0:
        return None
    info = directory.stat()
    return (info.st_uid, info.st_gid)


def _give_owner(fd: int, owner: tuple[int, int] | None) -> None:
    if owner is None or not hasattr(os, "fchown"):
        return
    current = os.fstat(fd)
    uid, gid = owner
    if (current.st_uid, current.st_gid) == (uid, gid):
        return
    try:
        os.fchown(fd, uid if uid != current.st_uid else -1, gid if gid != current.st_gid else -1)
    except OSError as exc:
        raise OwnerNotKept(exc, uid, gid) from None


def make_parents(directory: Path) -> list[Path]:
    """mkdir -p with 0700, each new directory owned like the one it is made in
    when root makes it (so ~/.aws created under sudo -E is still the user's).
    Returns the directories it made, outermost first."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    made = []
    for new in reversed(missing):
        try:
            new.mkdir(mode=PRIVATE_DIR)
            made.append(new)
        except FileExistsError:
            pass
        owner = _owner_for_new_file(new.parent)
        if owner is not None and hasattr(os, "chown"):
            os.chown(new, *owner)
    return made


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

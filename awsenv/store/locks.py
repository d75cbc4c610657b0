"""Cross-process locks: one refresh of a source at a time, one edit of a file at a time.

Built on flock on POSIX and on filelock (msvcrt) on Windows: the OS drops a
lock when its holder dies, so a killed awsenv never blocks the next one. POSIX
calls fcntl directly because the filelock package imports asyncio, which costs
a first call several times a bare interpreter's start. The fast path (a
memo served) never imports this module; the full path does, with the core.

Two kinds of lock, by where they live:
- a refresh of a source (a cache key) locks in the cache (`locks/`): only
  awsenv runs sharing that cache can share the result anyway, and where the
  cache is not ours to use (another user's) there is no such lock;
- an edit of a file (`file_lock_name`) locks beside the file it edits
  (`.credentials.awsenv.lock` next to the credentials file's real path), so
  every awsenv that writes it excludes every other, whatever its cache: two
  caches, or root with a user's HOME (sudo -E). A lock file root makes there
  belongs to the file's owner, so the owner's own runs can take it later.

Locks fail closed: a lock file or directory awsenv cannot trust (a symlink,
another user's, writable by others) is an error that names it, never a run
without the lock; so is a file lock awsenv cannot make. Only a cache that
cannot be written at all (a file in its way, a read-only disk) means no
refresh locks, as a cache of another user's does: nothing can be shared
through it, and the write that fails says so. A run that fails takes away the lock files and
directories it made, so the cache and the file's directory are as they were.

Locks are taken in chain order (a role before its source, a source before the
credentials file) and held until the run has committed what it fetched, so a
waiter that gets the lock finds the holder's result in the cache. Each lock
file records its holder's pid: for the waiting line, and so that a waiter
started by the holder itself (a credential_process loop that hid awsenv's
marker from its child) fails at once instead of waiting for the timeout.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Protocol

from awsenv import ownership
from awsenv.errors import ConfigError, LockError, LockTimeoutError
from awsenv.settings import LOCK_TIMEOUT
from awsenv.store.atomic import ensure_private_dir, make_parents

DEFAULT_TIMEOUT = float(LOCK_TIMEOUT.default)
# How often a waiter looks again at who holds the lock (a loop shows there).
_LOOK_AGAIN = 0.5
_FILE = "file|"


def lock_timeout(environ: Mapping[str, str]) -> float:
    """AWSENV_LOCK_TIMEOUT, in seconds (settings.LOCK_TIMEOUT)."""
    return LOCK_TIMEOUT.number(environ)


def file_lock_name(path: Path) -> str:
    """The lock every writer of the file at `path` takes, whatever name it uses
    for the file (a symlink is followed) and whatever its cache."""
    return f"{_FILE}{os.path.realpath(path)}"


def file_lock_path(path: Path) -> Path:
    """Where the lock of the file at `path` lives: beside its real path."""
    real = Path(os.path.realpath(path))
    return real.parent / f".{real.name}.awsenv.lock"


def check_file_lock(path: Path) -> None:
    """Refuse, before anything is asked for or spent, a lock beside the file at
    `path` that taking it would refuse (see `Locks`). A missing one is fine."""
    lock = file_lock_path(path)
    try:
        info = os.lstat(lock)
    except OSError:
        return
    why = _why_not_trusted(info, _owner_of(Path(os.path.realpath(path))))
    if why is not None:
        raise _untrusted(ownership.Untrusted(str(lock), why))


class Locks:
    """The locks one run holds. `hold` takes a lock and keeps it until `release`
    (or the end of the `with` block), so a chain's locks are released together,
    after the commit. Holding the same name twice is a no-op: flock locks belong
    to an open file, and a second one in this process would wait for itself.

    `directory` holds the refresh locks; None when the cache is not ours (then
    there are none). File locks (`file_lock_name`) live beside their file."""

    def __init__(
        self,
        directory: Path | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        on_wait: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.directory = directory
        self.timeout = timeout
        self.on_wait = on_wait
        self._held: dict[str, _Lock] = {}
        # Lock files and directories this run made, to take away if it fails.
        self._made: list[Path] = []
        self._stack = contextlib.ExitStack()

    def hold(self, name: str, doing: str) -> None:
        """Take the lock for `name` (a cache key, or `file_lock_name`); `doing`
        says what its holder is doing, for the waiting line."""
        if name in self._held:
            return
        path = self._path(name)
        if path is None:
            return  # the cache is another user's, and so would its locks be
        try:
            lock = self._take(name, path, doing)
        except ownership.Untrusted as exc:
            raise _untrusted(exc) from None
        except OSError as exc:
            if not name.startswith(_FILE):
                # A cache awsenv cannot write (a file in its way, a read-only
                # disk): nothing can be shared through it, so, as for another
                # user's cache, there are no refresh locks; its write warns.
                self.directory = None
                return
            raise LockError(
                f"cannot take the lock {path} ({exc.strerror or exc}); nothing was changed"
            ) from None
        self._stack.callback(lock.release)
        self._held[name] = lock
        if lock.created:
            self._made.append(path)
        _record_holder(path)

    def _path(self, name: str) -> Path | None:
        if name.startswith(_FILE):
            return file_lock_path(Path(name[len(_FILE) :]))
        if self.directory is None:
            return None
        return self.directory / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.lock"

    def _take(self, name: str, path: Path, doing: str) -> _Lock:
        # A holder that fails takes away the lock and the directories it made:
        # its waiters make them again and go on.
        for attempt in range(3):
            try:
                if name.startswith(_FILE):
                    # The file's own directory, made as the file's write would make it.
                    self._made.extend(make_parents(path.parent))
                    lock = _file_lock(str(path), _owner_of(Path(name[len(_FILE) :])))
                else:
                    # awsenv's own: private, and trusted from the cache root down.
                    ensure_private_dir(path.parent, root=path.parent.parent, made=self._made)
                    lock = _file_lock(str(path), None)
                self._acquire(lock, path, doing)
                return lock
            except FileNotFoundError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def release(self) -> None:
        self._held.clear()
        self._stack.close()

    def undo(self) -> None:
        """Take away the lock files and directories this run made. Called on
        failure, while the locks are still held: a waiter that then gets one
        finds it unlinked and takes the new one (`_Flock.acquire`)."""
        for path in reversed(self._made):
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()  # only if empty: another run may be using it
                else:
                    path.unlink()
        self._made.clear()

    def __enter__(self) -> Locks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.undo()
        self.release()

    def _acquire(self, lock: _Lock, path: Path, doing: str) -> None:
        try:
            lock.acquire(timeout=0)
            return
        except TimeoutError:
            pass
        deadline = time.monotonic() + self.timeout
        said = False
        while True:
            holder = _holder(path)
            _refuse_own_ancestor(holder, path, doing)
            if not said:
                said = True
                self.on_wait(f"waiting for another awsenv (pid {holder}) {doing}")
            left = deadline - time.monotonic()
            try:
                lock.acquire(timeout=max(0.0, min(_LOOK_AGAIN, left)))
                return
            except TimeoutError:
                if left <= _LOOK_AGAIN:
                    raise LockTimeoutError(
                        f"gave up after {self.timeout:g} s waiting for another awsenv "
                        f"(pid {_holder(path)}) {doing}; its lock is {path} "
                        "(AWSENV_LOCK_TIMEOUT sets the wait)"
                    ) from None


def _untrusted(exc: ownership.Untrusted) -> LockError:
    return LockError(
        f"will not lock with {exc.path}: it {exc.why}; nothing was changed "
        "(remove it: awsenv makes its own)"
    )


def _refuse_own_ancestor(holder: str, path: Path, doing: str) -> None:
    """The holder started this process (a loop through a credential_process
    that hid AWSENV_RESOLVING): waiting would only end at the timeout."""
    if holder.isdigit() and int(holder) in _ancestors():
        raise ConfigError(
            f"awsenv (pid {holder}), which started this one, holds the lock {path} "
            f"{doing}: a loop (a credential_process or mfa_process that runs awsenv "
            "for the profile being resolved); give the credential_process a profile of its own"
        )


def _ancestors() -> set[int]:
    """The pids above this process (Linux's /proc; elsewhere none are known)."""
    found: set[int] = set()
    pid = os.getppid()
    while pid > 1 and pid not in found:
        found.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                pid = int(handle.read().rsplit(b")", 1)[-1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


class _Lock(Protocol):
    created: bool

    def acquire(self, timeout: float) -> object: ...
    def release(self) -> None: ...


def _file_lock(path: str, owner: tuple[int, int] | None) -> _Lock:
    if sys.platform == "win32":
        return _WindowsLock(path)
    return _Flock(path, owner)


class _WindowsLock:
    def __init__(self, path: str) -> None:
        from filelock import FileLock

        self.created = not Path(path).exists()
        self._lock = FileLock(path, mode=0o600)  # its Timeout is a TimeoutError

    def acquire(self, timeout: float) -> None:
        self._lock.acquire(timeout=timeout)

    def release(self) -> None:
        self._lock.release()


def _owner_of(target: Path) -> tuple[int, int] | None:
    """Who a lock beside `target` must belong to: the file's owner (or its
    directory's, for a file still to be made), which root's lock must not
    lock out. None where there are no owners to keep."""
    if not ownership.CHECKED:
        return None
    for path in (target, target.parent):
        try:
            info = path.stat()
        except OSError:
            continue
        return (info.st_uid, info.st_gid)
    return None


def _why_not_trusted(info: os.stat_result, owner: tuple[int, int] | None) -> str | None:
    """ownership's rule; a root run may also use the lock of the file's owner."""
    also = owner[0] if owner is not None and os.geteuid() == 0 else None
    return ownership.why_untrusted(info, directory=False, also=also)


class _Flock:
    """An exclusive flock on `path`, as filelock's UnixFileLock takes it: the
    lock belongs to the open file, and closing it (or dying) releases it.

    The lock file is opened without following links and must pass the
    ownership rule. A new one is made under a temp name, given its owner, and
    linked into place, so no other run ever sees it with the wrong owner."""

    POLL = 0.05

    def __init__(self, path: str, owner: tuple[int, int] | None = None) -> None:
        self.path = path
        self.owner = owner
        self.created = False
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        """Raises TimeoutError when another process still holds it after `timeout` s."""
        import fcntl

        deadline = time.monotonic() + timeout
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"{self.path} is locked") from None
                time.sleep(self.POLL)
                continue
            except BaseException:
                os.close(fd)
                raise
            if not self._still_there(fd):  # taken away while we waited: take the new one
                os.close(fd)
                continue
            self._fd = fd
            return

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(100):
            try:
                fd = os.open(self.path, flags)
            except FileNotFoundError:
                self._create()
                continue
            except OSError as exc:
                raise self._explained(exc) from None
            try:
                self._check(fd)
            except BaseException:
                os.close(fd)
                raise
            return fd
        raise OSError(errno.EAGAIN, "the lock file keeps disappearing", self.path)

    def _check(self, fd: int) -> None:
        info = os.fstat(fd)
        why = _why_not_trusted(info, self.owner)
        if why is not None and info.st_uid == os.geteuid() and stat.S_ISREG(info.st_mode):
            os.fchmod(fd, 0o600)  # ours, only too loose: tighten it, as the cache's dirs
            why = _why_not_trusted(os.fstat(fd), self.owner)
        if why is not None:
            raise ownership.Untrusted(self.path, why)
        if self.owner is not None and os.geteuid() == 0 and info.st_uid != self.owner[0]:
            os.fchown(fd, *self.owner)  # root's own, from an older run: give it back

    def _create(self) -> None:
        path = Path(self.path)
        temp = path.with_name(f".{path.name}.awsenv-{os.getpid()}-{os.urandom(6).hex()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(temp, flags, 0o600)
        try:
            if self.owner is not None and os.geteuid() == 0:
                os.fchown(fd, *self.owner)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
            self.created = True
        except FileExistsError:
            pass  # another run made it first: that one is used
        finally:
            with contextlib.suppress(OSError):
                temp.unlink()

    def _still_there(self, fd: int) -> bool:
        try:
            now = os.lstat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)

    def _explained(self, exc: OSError) -> OSError:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK: BSD)
            return ownership.Untrusted(self.path, "is a symlink")
        if exc.errno in (errno.EACCES, errno.EPERM):
            try:
                why = _why_not_trusted(os.lstat(self.path), self.owner)
            except OSError:
                why = None
            if why is not None:
                return ownership.Untrusted(self.path, why)
        return exc


def _record_holder(path: Path) -> None:
    # Who holds it: for the waiting line, and for a waiter that the holder
    # itself started (a loop). Written after the lock is ours, in place
    # (waiters open the same file and must see one inode).
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        finally:
            os.close(fd)


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return "?"
    return text if text.isdigit() else "?"

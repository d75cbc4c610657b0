"""Cross-process locks: one refresh of a source at a time, one edit of a file at a time.

Built on flock on POSIX and on filelock (msvcrt) on Windows: the OS drops a
lock when its holder dies, so a killed awsenv never blocks the next one. POSIX
calls fcntl directly because the filelock package imports asyncio, which costs
a first call several times a bare interpreter's start. This module is imported
only when something must be refreshed or written; a cache hit, and the fast
path, never pay for it.

Locks are taken in chain order (a role before its source, a source before the
credentials file) and held until the run has committed what it fetched, so a
waiter that gets the lock finds the holder's result in the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Protocol

from awsenv.atomic import ensure_private_dir
from awsenv.errors import LockTimeoutError
from awsenv.settings import bounded

DEFAULT_TIMEOUT = 120.0


def lock_timeout(environ: Mapping[str, str]) -> float:
    """AWSENV_LOCK_TIMEOUT, in seconds (default 120)."""
    return bounded(
        environ, "AWSENV_LOCK_TIMEOUT", DEFAULT_TIMEOUT, 0.0, 86400.0, float, "a number of seconds"
    )


def file_lock_name(path: Path) -> str:
    """The lock every writer of the file at `path` takes, whatever name it uses."""
    return f"file|{os.path.realpath(path)}"


class Locks:
    """The locks one run holds. `hold` takes a lock and keeps it until `release`
    (or the end of the `with` block), so a chain's locks are released together,
    after the commit. Holding the same name twice is a no-op: flock locks belong
    to an open file, and a second one in this process would wait for itself."""

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
        self._held: dict[str, object] = {}
        self._broken = False
        self._stack = contextlib.ExitStack()

    def hold(self, name: str, doing: str) -> None:
        """Take the lock for `name` (a cache key, a file's real path); `doing`
        says what its holder is doing, for the waiting message."""
        # No directory: the cache is another user's, and so would the locks be.
        if name in self._held or self._broken or self.directory is None:
            return
        path = self.directory / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.lock"
        lock = _file_lock(str(path))
        try:
            ensure_private_dir(self.directory, root=self.directory.parent)
            lock.acquire(timeout=0)
        except TimeoutError:  # before OSError, of which it is one
            holder = _holder(path)
            self.on_wait(f"waiting for another awsenv (pid {holder}) {doing}")
            try:
                lock.acquire(timeout=self.timeout)
            except TimeoutError:
                raise LockTimeoutError(
                    f"gave up after {self.timeout:g} s waiting for another awsenv "
                    f"(pid {_holder(path)}) {doing}; its lock is {path} "
                    "(AWSENV_LOCK_TIMEOUT sets the wait)"
                ) from None
        except OSError as exc:
            # Like the cache it lives in, an unusable lock directory is a warning:
            # this run goes on as a lone awsenv would.
            self._broken = True
            self.on_wait(f"cannot lock in {self.directory} ({exc.strerror}); going on without")
            return
        self._stack.callback(lock.release)
        self._held[name] = lock
        _record_holder(path)

    def release(self) -> None:
        self._held.clear()
        self._stack.close()

    def __enter__(self) -> Locks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class _Lock(Protocol):
    def acquire(self, timeout: float) -> object: ...
    def release(self) -> None: ...


def _file_lock(path: str) -> _Lock:
    if sys.platform == "win32":
        from filelock import FileLock

        return FileLock(path, mode=0o600)  # its Timeout is a TimeoutError
    return _Flock(path)


class _Flock:
    """An exclusive flock on `path`, as filelock's UnixFileLock takes it: the
    lock belongs to the open file, and closing it (or dying) releases it."""

    POLL = 0.05

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float) -> None:
        """Raises TimeoutError when another process still holds it after `timeout` s."""
        import fcntl
        import time

        deadline = time.monotonic() + timeout
        while True:
            # O_NOFOLLOW: the lock file is opened for writing, never through a link.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
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
            if os.fstat(fd).st_nlink == 0:  # removed while we waited: take the new one
                os.close(fd)
                continue
            self._fd = fd
            return

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _record_holder(path: Path) -> None:
    # Only for the waiting message: who holds it. Written after the lock is
    # ours, in place (waiters open the same file and must see one inode).
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

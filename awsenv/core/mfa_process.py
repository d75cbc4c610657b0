"""`mfa_process = COMMAND`: an MFA code from a program (a YubiKey, a password
manager) instead of a person at a terminal.

The command is split as botocore splits credential_process (no shell), runs
with no stdin (it must not eat a code meant for `--mfa-code -`) and its
stderr reaches the person: awsenv's own stderr when that is a terminal, else
the controlling terminal (opened for writing only) when there is one: an SDK
running `awsenv process` pipes stderr and drops it on success (or passes on
its own, /dev/null under terraform), and "Touch your YubiKey" would be lost.
Its stdout is a code: nothing about it is ever echoed, in an error or in
--debug.

It runs in a session (and so a process group) of its own. Its output is read
until it exits, not until the pipe closes: a child it leaves running (an
agent started on first use) may hold the pipe for as long as it lives. If it
gives no code in time, the whole group is killed, not just the helper. Being
off the terminal's session, a helper cannot prompt on /dev/tty.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from awsenv.errors import ConfigError
from awsenv.settings import MFA_PROCESS_TIMEOUT
from awsenv.stderr import terminal_fd

# seconds: long enough to touch a key, short enough for a script
TIMEOUT = float(MFA_PROCESS_TIMEOUT.default)
_CODE = re.compile(r"[0-9]{6}")
_POLL = 0.05  # seconds between looks at whether the helper has exited


def timeout_setting(environ: Mapping[str, str]) -> float:
    """AWSENV_MFA_PROCESS_TIMEOUT, in seconds (settings.MFA_PROCESS_TIMEOUT)."""
    return MFA_PROCESS_TIMEOUT.number(environ)


@dataclass(frozen=True)
class MfaProcess:
    profile: str  # the profile whose mfa_process this is, named in every failure
    command: str

    def code(self, timeout: float = TIMEOUT) -> str:
        where = f"profile {self.profile!r}: mfa_process"
        try:
            argv = shlex.split(self.command, posix=sys.platform != "win32")
        except ValueError:
            raise ConfigError(
                f"{where} cannot be split into words (an unbalanced quote?)"
            ) from None
        if not argv:
            raise ConfigError(f"{where} is empty")
        try:
            status, output = _run(argv, timeout)
        except subprocess.TimeoutExpired:
            raise ConfigError(f"{where} gave no code within {timeout:g} s") from None
        except OSError as exc:
            raise ConfigError(f"{where} cannot be run: {argv[0]}: {exc.strerror}") from None
        if status != 0:
            raise ConfigError(f"{where} failed (exit status {status})")
        code = output.decode("utf-8", "replace").strip()
        if not _CODE.fullmatch(code):
            raise ConfigError(f"{where} printed something that is not a 6-digit code")
        return code


def _run(argv: list[str], timeout: float) -> tuple[int, bytes]:
    """The helper's exit status and what it printed before it exited."""
    # Not a terminal: a pipe an SDK drops, or a device it chose (/dev/null).
    terminal = None if _stderr_is_terminal() else terminal_fd()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,  # None: awsenv's own stderr
            start_new_session=True,
        )
    finally:
        if terminal is not None:
            os.close(terminal)  # the helper holds its own copy
    assert proc.stdout is not None
    try:
        with proc.stdout:
            output = _output_until_exit(proc, time.monotonic() + timeout, timeout)
    except BaseException:  # a timeout, or Ctrl-C, which its own session does not get
        _kill_group(proc)
        raise
    return proc.returncode, output


def _stderr_is_terminal() -> bool:
    try:
        return os.isatty(2)
    except OSError:
        return False


def _output_until_exit(proc: subprocess.Popen[bytes], deadline: float, timeout: float) -> bytes:
    assert proc.stdout is not None
    if sys.platform == "win32":  # no select() on pipes there
        return proc.communicate(timeout=timeout)[0]
    import selectors

    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while proc.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            if selector.select(min(left, _POLL)) and not _drain(fd, chunks):
                # End of file: nothing holds the pipe; only the exit is left.
                proc.wait(max(left, 0.0))
                break
    # The helper has exited: all it wrote is in the pipe already. Whatever a
    # child it left behind writes later is not its answer.
    _drain(fd, chunks)
    return b"".join(chunks)


def _drain(fd: int, chunks: list[bytes]) -> bool:
    """Read what the pipe holds now; False at end of file."""
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        chunks.append(data)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            if sys.platform == "win32":
                proc.kill()
            else:
                # Its pid is its group's id until it is reaped: safe to signal.
                os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    proc.wait()

"""Writing to stdout, where a failure must be told apart.

A reader that went away (a closed pipe) is not an error: Unix tools exit
quietly then. A closed stdout, a full disk or an I/O error is: the caller got
nothing it can use, and the one line says what it did not get (the shell
code, the credential_process JSON, the listing...). Nothing is left in
Python's buffer to fail again, noisily, at exit.
Cheap to import: the fast path writes through it too.
"""

from __future__ import annotations

import os
import sys

from awsenv.errors import AwsenvError

# What a shell reports for a process killed by SIGPIPE (128 + 13), as `yes | head` does.
EXIT_BROKEN_PIPE = 141

# What stdout carries in this run, for the failure line: the subcommand
# table's word (awsenv/commandline.py), set once by whoever answers the run.
_carrying = "the shell code"


class OutputError(AwsenvError):
    """stdout refused the output (closed, a full disk, an I/O error)."""


def carrying(what: str) -> None:
    """Name what this run writes to stdout, in any failure to write it."""
    global _carrying
    _carrying = what


def check_open() -> None:
    """OutputError when there is no stdout at all (fd 1 was closed when awsenv
    started): said before an MFA code is spent on output that cannot be written."""
    if sys.stdout is None:
        raise OutputError(f"stdout is closed: there is nowhere to write {_carrying}")


def write_stdout(text: str) -> None:
    """Write `text` to stdout and flush it. Raises BrokenPipeError when the
    reader has gone, OutputError when the write failed otherwise."""
    check_open()
    try:
        # Bytes, so that Windows never turns LF into CRLF.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        raise
    except OSError as exc:
        _discard_stdout()
        raise OutputError(f"cannot write {_carrying} to stdout: {exc.strerror}") from None


def _discard_stdout() -> None:
    # What failed is still in the buffer, and the interpreter flushes it at exit
    # ("Exception ignored ... BrokenPipeError"): send it to /dev/null instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass

"""Writing the shell code to stdout, where a failure must be told apart.

A reader that went away (a closed pipe) is not an error: Unix tools exit
quietly then. A full disk or an I/O error is: the shell got nothing it can use.
Either way nothing is left in Python's buffer to fail again, noisily, at exit.
Cheap to import: the fast path writes through it too.
"""

from __future__ import annotations

import os
import sys

from awsenv.errors import AwsenvError

# What a shell reports for a process killed by SIGPIPE (128 + 13), as `yes | head` does.
EXIT_BROKEN_PIPE = 141


class OutputError(AwsenvError):
    """stdout refused the shell code (a full disk, an I/O error)."""


def write_stdout(text: str) -> None:
    """Write `text` to stdout and flush it. Raises BrokenPipeError when the
    reader has gone, OutputError when the write failed otherwise."""
    try:
        # Bytes, so that Windows never turns LF into CRLF.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        raise
    except OSError as exc:
        _discard_stdout()
        raise OutputError(f"cannot write the shell code to stdout: {exc.strerror}") from None


def _discard_stdout() -> None:
    # What failed is still in the buffer, and the interpreter flushes it at exit
    # ("Exception ignored ... BrokenPipeError"): send it to /dev/null instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass

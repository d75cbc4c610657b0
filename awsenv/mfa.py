"""Where an MFA code comes from: the --mfa-code option, else the terminal.

The prompt goes to the controlling terminal, never to stdout, which `eval` is
capturing. The code is asked for only when an STS call needs it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable

from awsenv.errors import NoTerminalError, UsageError

_CODE = re.compile(r"[0-9]{6}")


def check_code(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise UsageError("the MFA code must be exactly 6 digits")
    return code


def ask_terminal(serial: str) -> str:
    """Prompt on the terminal and read one line from it."""
    prompt = f"MFA code for {serial}: "
    try:
        if sys.platform == "win32":
            reader = open("CONIN$", encoding="utf-8")  # noqa: SIM115
            writer = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
        else:
            # O_NOCTTY: a process without a terminal must not acquire one here.
            fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
            reader = os.fdopen(fd, "r", encoding="utf-8", closefd=False)
            writer = os.fdopen(fd, "w", encoding="utf-8", closefd=True)
    except OSError:
        raise NoTerminalError(
            f"an MFA code is needed for {serial} and there is no terminal to ask on; "
            "pass --mfa-code CODE"
        ) from None
    with reader, writer:
        writer.write(prompt)
        writer.flush()
        line = reader.readline()
    if not line:
        raise UsageError("no MFA code was entered")
    return check_code(line.strip())


class CodeSource:
    """Hands out MFA codes: the given one, or one asked for per device."""

    def __init__(self, given: str | None, ask: Callable[[str], str] = ask_terminal) -> None:
        self.given = check_code(given) if given is not None else None
        self._ask = ask
        self.secrets: list[str] = [given] if given else []

    def code_for(self, serial: str) -> str:
        code = self.given if self.given is not None else self._ask(serial)
        self.secrets.append(code)
        return code

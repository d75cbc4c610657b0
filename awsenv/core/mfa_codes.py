"""Where an MFA code comes from: the --mfa-code option, else the profile's
mfa_process, else a person: on the terminal, else in a dialog
(AWSENV_PROMPT chooses).

The prompt goes to the controlling terminal, never to stdout, which `eval` is
capturing. The code is asked for only when an STS call needs it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Protocol

from awsenv.core.mfa_process import TIMEOUT, MfaProcess
from awsenv.errors import NoTerminalError, UsageError
from awsenv.settings import PROMPT, PROMPT_CHOICES

_CODE = re.compile(r"[0-9]{6}")
# As authenticator apps show a code (`123 456`), and as people copy it with a
# dash: one space or dash between its halves, nothing else. Two groups of
# other sizes, or more separators, are a mistyped code, not another layout.
_SHOWN = re.compile(r"([0-9]{3})[ -]([0-9]{3})")
TRIES = 3  # a typo is asked for again, on a terminal, up to this many tries in all


class Ask(Protocol):
    """Asks a person for the code of one MFA device; `hint` says why it asks again."""

    def __call__(self, serial: str, hint: str = "") -> str: ...


def as_typed(code: str) -> str:
    """The code as STS takes it: `123 456` and `123-456` are `123456`;
    anything else is left for check_code to accept or refuse."""
    shown = _SHOWN.fullmatch(code.strip())
    return shown.group(1) + shown.group(2) if shown else code.strip()


def check_code(code: str) -> str:
    code = as_typed(code)
    if not _CODE.fullmatch(code):
        raise UsageError("the MFA code must be exactly 6 digits")
    return code


def ask_terminal(serial: str, hint: str = "") -> str:
    """Prompt on the terminal and read a code from it, without echo, as getpass
    does. (getpass itself falls back to stdin without a terminal, and stdin
    may be anything; here no terminal means no code.)"""
    prompt = f"MFA code for {serial}: "
    no_terminal = NoTerminalError(
        f"an MFA code is needed for {serial} and there is no terminal to ask on; "
        "pass --mfa-code CODE or set mfa_process in the profile"
    )
    if sys.platform == "win32":
        import getpass  # reads the console with msvcrt, without echo

        try:  # a GUI app or a service has no console: getpass would read nothing
            os.close(os.open("CONIN$", os.O_RDWR))
        except OSError:
            raise no_terminal from None

        return _ask_until_valid(
            lambda why: getpass.getpass(f"{why}\n{prompt}" if why else prompt), hint
        )
    try:
        # O_NOCTTY: a process without a terminal must not acquire one here.
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise no_terminal from None
    reader = os.fdopen(fd, "r", encoding="utf-8", closefd=False)
    writer = os.fdopen(fd, "w", encoding="utf-8", closefd=True)

    def read(why: str) -> str:
        # Echo off (and the flush of what was typed early) before the prompt
        # shows, as getpass does: after it, the flush would also drop a code
        # typed the moment the prompt appeared (a fast typist, a script).
        with _echo_off(fd):
            writer.write(f"{why}\n{prompt}" if why else prompt)
            writer.flush()
            line = reader.readline()
        writer.write("\n")  # the Enter typed was not echoed either
        writer.flush()
        if not line:
            raise UsageError("no MFA code was entered")
        return line

    with reader, writer:
        return _ask_until_valid(read, hint)


def ask_person(serial: str, hint: str = "") -> str:
    """Ask where AWSENV_PROMPT says: `auto` the terminal, else a dialog when
    there is a display; `tty` the terminal only; `gui` a dialog only; `none`
    nowhere. Without a place to ask, today's one line (NoTerminalError)."""
    mode = PROMPT.choice(os.environ, PROMPT_CHOICES)
    no_terminal: NoTerminalError | None = None
    if mode in ("auto", "tty"):
        try:
            return ask_terminal(serial, hint)
        except NoTerminalError as exc:
            if mode == "tty":
                raise
            no_terminal = exc
    if mode in ("auto", "gui"):
        from awsenv.core import dialog

        found = dialog.find()
        if found is not None:
            text = f"MFA code for {serial}"
            return _ask_until_valid(lambda why: found.ask(f"{why}\n{text}" if why else text), hint)
        if mode == "gui":
            raise NoTerminalError(
                f"an MFA code is needed for {serial} and AWSENV_PROMPT=gui finds no dialog "
                "to ask in (no display, or neither zenity nor kdialog); pass --mfa-code CODE "
                "or set mfa_process in the profile"
            )
        assert no_terminal is not None
        raise no_terminal
    raise NoTerminalError(
        f"an MFA code is needed for {serial} and AWSENV_PROMPT=none asks nobody; "
        "pass --mfa-code CODE or set mfa_process in the profile"
    )


# A line longer than this holds no code: stop reading the command's input.
_LINE_MAX = 64


def code_from_stdin() -> str:
    """`--mfa-code -`: the first line of stdin, read a byte at a time, so that
    not one byte past its newline is taken: what follows is for whoever reads
    stdin next (the COMMAND of `awsenv exec`, the next command of a script).
    A buffered read would swallow it, from a pipe or from a file."""
    line = bytearray()
    while len(line) <= _LINE_MAX:
        try:
            byte = os.read(0, 1)
        except OSError:  # closed (EBADF) or unreadable: no code either way
            byte = b""
        if byte in (b"", b"\n"):
            break
        line += byte
    code = line.decode("utf-8", "replace").strip()
    if not code:
        raise UsageError("--mfa-code - found no code on stdin")
    if len(line) > _LINE_MAX:
        raise UsageError("--mfa-code - found no code on stdin: its first line is too long")
    return code


def _ask_until_valid(read: Callable[[str], str], hint: str = "") -> str:
    for _ in range(TRIES - 1):
        code = as_typed(read(hint))
        if _CODE.fullmatch(code):
            return code
        hint = "the code is the 6 digits your MFA device shows now"
    return check_code(read(hint).strip())


@contextlib.contextmanager
def _echo_off(fd: int) -> Iterator[None]:
    """Clear ECHO on the terminal for the block; put it back whatever happens
    (Ctrl-C included). Where termios cannot say, read as is."""
    import termios

    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO
    # TCSAFLUSH: characters typed before the prompt appeared were echoed; drop them.
    termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)


class CodeSource:
    """Hands out MFA codes: the given one, else the profile's mfa_process, else
    one asked for per device."""

    def __init__(
        self, given: str | None, ask: Ask = ask_person, process_timeout: float = TIMEOUT
    ) -> None:
        self.given = check_code(given) if given is not None else None
        self._ask = ask
        self._process_timeout = process_timeout
        self.secrets: list[str] = [given, self.given] if given and self.given else []
        self._asked_again: set[str] = set()

    def code_for(self, serial: str, command: MfaProcess | None = None) -> str:
        if self.given is not None:
            code = self.given
        elif command is not None:
            code = command.code(self._process_timeout)
            # A program gives the same code again at once: asking it twice is no retry.
            self._asked_again.add(serial)
        else:
            code = self._ask(serial)
        self.secrets.append(code)
        return code

    def again(self, serial: str) -> str | None:
        """A fresh code after STS rejected one, or None. Only a code that was
        asked for (on the terminal) is asked for again, once per device: a given
        code would only be rejected again, and a script cannot retype."""
        if self.given is not None or serial in self._asked_again:
            return None
        self._asked_again.add(serial)
        code = self._ask(serial, "STS rejected that code; wait for the next one and type it")
        self.secrets.append(code)
        return code

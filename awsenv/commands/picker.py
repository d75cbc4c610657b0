"""`awsenv` alone, with a person at the terminal: a picker of the profiles.

It runs inside the wrapper's `$(awsenv --shell SHELL)`: stdout is the pipe
the wrapper evaluates, so the picker draws on the terminal itself
(/dev/tty) and returns the name chosen; the export then prints that
profile's shell code as `awsenv NAME` would. No curses and no package: the
terminal in cbreak mode (each key as it is typed, echo off, Ctrl-C still a
signal) and a few ANSI sequences to redraw the lines it drew.

Keys: type to filter (by name, any part, any case), Backspace, Up/Down (or
Ctrl-P/Ctrl-N, Tab) to move, Enter to export, Esc or Ctrl-C to leave with
nothing changed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from awsenv.commands.shared import NO_PROFILE
from awsenv.errors import UsageError

SHOWN = 10  # rows drawn at once; the filter narrows the rest down
TITLE = "awsenv: pick a profile (type to filter, Up/Down, Enter exports it, Esc leaves)"
_UP = ("\x1b[A", "\x1bOA", "\x10")  # arrows in either cursor mode, Ctrl-P
_DOWN = ("\x1b[B", "\x1bOB", "\x0e", "\t")  # and Ctrl-N, Tab
_ERASE = ("\x7f", "\x08")


def available() -> bool:
    """A person is here to choose: stdin and stderr are a terminal (the
    wrapper's $(...) captures stdout only). Not on Windows yet."""
    if sys.platform == "win32":
        return False
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Choice:
    name: str
    line: str  # name, kind, state, as drawn


def choices() -> list[Choice]:
    """One per profile, as `awsenv list` sees it: from the files and the
    cache, never STS."""
    from awsenv.core import inventory
    from awsenv.core.obtain import load_files

    rows = inventory.rows(load_files(os.environ), inventory.survey_for(os.environ))
    width = max((len(r.name) for r in rows), default=0)
    found = []
    for r in rows:
        state = inventory.cells(r)[4] if r.problem is None else f"cannot be used: {r.problem}"
        line = f"{r.name.ljust(width)}  {r.kind:<18} {state}"
        # A name is the files' text: no control character of it reaches the terminal.
        found.append(Choice(r.name, "".join(c if c.isprintable() else "?" for c in line)))
    return found


def choose() -> str:
    """The name the person picks (KeyboardInterrupt when they leave)."""
    listed = choices()
    if not listed:
        raise UsageError("no profiles yet: run awsenv setup to write them")
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise UsageError(NO_PROFILE) from None
    try:
        return _Screen(fd, listed).run()
    finally:
        os.close(fd)


class _Screen:
    def __init__(self, fd: int, listed: Sequence[Choice]) -> None:
        self.fd = fd
        self.listed = listed
        self.typed = ""
        self.selected = 0
        self.drawn = 0  # lines drawn last time, to go back over

    def matches(self) -> list[Choice]:
        wanted = self.typed.casefold()
        return [c for c in self.listed if wanted in c.name.casefold()]

    def run(self) -> str:
        import termios
        import tty

        saved = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd, termios.TCSANOW)  # keys one by one, echo off
            while True:
                self.draw()
                typed = os.read(self.fd, 64)
                if not typed:  # the terminal hung up: nobody is left to choose
                    raise KeyboardInterrupt
                chosen = self.key(typed.decode("utf-8", "replace"))
                if chosen is not None:
                    return chosen
        finally:
            self.clear()
            termios.tcsetattr(self.fd, termios.TCSAFLUSH, saved)

    def key(self, typed: str) -> str | None:
        """Apply what was typed; the name chosen on Enter."""
        if typed in _UP or typed in _DOWN:
            count = max(len(self.matches()), 1)
            self.selected = (self.selected + (-1 if typed in _UP else 1)) % count
            return None
        if typed in ("\x1b", "\x04"):  # Esc, Ctrl-D: leave as Ctrl-C does
            raise KeyboardInterrupt
        if typed.startswith("\x1b"):
            return None  # another key's sequence (Left, Home, F1): nothing to do
        for char in typed:
            if char in ("\r", "\n"):
                found = self.matches()
                if found:
                    return found[min(self.selected, len(found) - 1)].name
            elif char in _ERASE:
                self.typed = self.typed[:-1]
            elif char.isprintable():
                self.typed += char
            self.selected = 0
        return None

    def draw(self) -> None:
        found = self.matches()
        columns, rows = _size(self.fd)
        # Never more lines than the terminal holds: a scrolled screen would
        # leave the next redraw short of the top of this one.
        shown = max(1, min(SHOWN, rows - 4))
        start = max(0, self.selected - shown + 1)
        lines = [TITLE, f"> {self.typed}"]
        for index, choice in enumerate(found[start : start + shown], start):
            lines.append(("* " if index == self.selected else "  ") + choice.line)
        if not found:
            lines.append("  (no profile matches)")
        elif len(found) > shown:
            lines.append(f"  ({len(found)} profiles; type to narrow)")
        width = max(columns - 1, 20)
        self.clear()
        self.write("\r\n".join(line[:width] for line in lines))
        self.drawn = len(lines)

    def clear(self) -> None:
        """Go back over the lines drawn last and erase them."""
        if self.drawn:
            up = f"\x1b[{self.drawn - 1}A" if self.drawn > 1 else ""
            self.write(f"\r{up}\x1b[J")
            self.drawn = 0

    def write(self, text: str) -> None:
        os.write(self.fd, text.encode("utf-8", "replace"))


def _size(fd: int) -> tuple[int, int]:
    """(columns, lines) of the terminal; 80x24 when it cannot say."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return 80, 24
    return size.columns or 80, size.lines or 24

"""All human output: one line per message on stderr, with every known secret
masked, whatever code path produced the text."""

from __future__ import annotations

import sys

# Annotations only: typing costs more to import than the fast path itself.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

MASK = "****"
# The shortest secret awsenv knows is a 6-digit MFA code; anything shorter
# would mask ordinary words and numbers.
MIN_SECRET = 6


class Redactor:
    """Masks every known secret wherever it appears, touching letters or not
    (`keydemoSecret...`): secrets are concatenated into URLs, bodies and
    botocore's debug text without separators.

    One exception, by decision: a secret of digits only (an MFA code) is not
    masked inside a longer run of digits. Such a run is another number (an
    account id, an epoch) that happens to contain the same six digits; awsenv
    never glues a code to digits, so nothing of the code is revealed there,
    while masking would garble the account id in the very message that needs it.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= MIN_SECRET:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret.isascii() and secret.isdigit():
                import re  # only once a code is known: the fast path never is here

                text = re.sub(rf"(?<![0-9]){secret}(?![0-9])", MASK, text)
            else:
                text = text.replace(secret, MASK)
        return text


class Console:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.redact = Redactor()
        # Under an SDK (credential_process), stderr is a pipe that botocore
        # drops on success and terraform never shows ("exit status 2"): the
        # person at the controlling terminal, if any, sees every line there too.
        # Set by the subcommands that obtain credentials.
        self.terminal_too = False
        # Also when stderr goes to a device such as /dev/null: set by `awsenv
        # process`, whose stderr is always a program's choice (the Go and Ruby
        # SDKs pass on their own, /dev/null under terraform), never the person's.
        self.even_discarded = False

    def say(self, message: str) -> None:
        """One line, always: text from elsewhere (botocore's error, holding a
        credential_process's stderr) may bring its own line breaks."""
        if "\n" in message or "\r" in message:
            message = " ".join(part.strip() for part in message.splitlines() if part.strip())
        self._line(f"awsenv: {message}")
        if self._mirrored():
            _to_terminal(self.redact(f"awsenv: {message}") + "\n")

    def note(self, message: str) -> None:
        """A line of success (what a refresh obtained): on stderr only. Never
        mirrored to the terminal, where it would land in the middle of the
        output of the program that runs awsenv (terraform, once an hour)."""
        self._line(f"awsenv: {message}")

    def error(self, message: str) -> None:
        """The one line of a failure (on the terminal too, as every line)."""
        self.say(message)

    def tell(self, message: str) -> None:
        """A line the person must see even under an SDK that hides stderr (an
        IAM Identity Center login's URL and code): stderr and the terminal."""
        self.say(message)
        if not self._mirrored() and not _is_terminal(self.stream):
            _to_terminal(self.redact(f"awsenv: {message}") + "\n")

    def progress(self, message: str) -> None:
        """A line about something under way (waiting for another awsenv's lock).
        Said where a person watches, on a terminal (stderr, else the controlling
        terminal); elsewhere only with --debug, so that a failure after it is
        still the one line a tool shows."""
        if _is_terminal(self.stream):
            self.say(message)
            return
        if self._mirrored() and _to_terminal(self.redact(f"awsenv: {message}") + "\n"):
            return
        from awsenv import trace

        trace.debug(message)

    def _mirrored(self) -> bool:
        """Do lines go to the controlling terminal too? Only when stderr is
        not a terminal, and is taken by a program (a pipe, a file), or for
        `awsenv process` anything but a terminal: `2>/dev/null` from a
        person (the prompt hooks' renewal) asks for silence."""
        if not self.terminal_too or _is_terminal(self.stream):
            return False
        return self.even_discarded or captured(self.stream)

    def enable_debug(self) -> None:
        from awsenv import trace

        trace.set_sink(self._debug)

    def _debug(self, message: str) -> None:
        self._line(f"awsenv[debug]: {message}")

    def _line(self, text: str) -> None:
        self.stream.write(self.redact(text) + "\n")
        self.stream.flush()


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_fd() -> int | None:
    """The controlling terminal, opened for writing only (never to become one's
    controlling terminal); None where there is none (a launch agent, CI)."""
    import os

    name = "CONOUT$" if sys.platform == "win32" else "/dev/tty"
    try:
        return os.open(name, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None


def captured(stream: TextIO | None) -> bool:
    """Is `stream` taken by a program (a pipe, a socket, a file), where a
    person does not see it? Not a terminal, and not a device such as
    /dev/null: `2>/dev/null` (the prompt hooks' renewal) asks for silence."""
    import os
    import stat

    try:
        fd = stream.fileno() if stream is not None else -1
        mode = os.fstat(fd).st_mode
    except (AttributeError, ValueError, OSError):
        return False
    return not stat.S_ISCHR(mode)


def _to_terminal(text: str) -> bool:
    """Write `text` to the controlling terminal, if there is one; True when written."""
    import os

    fd = terminal_fd()
    if fd is None:
        return False
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    except OSError:
        return False
    finally:
        os.close(fd)
    return True

"""All human output: one line per message on stderr, with every known secret
masked, whatever code path produced the text."""

from __future__ import annotations

import re
import sys
from typing import TextIO

MASK = "****"


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        # Very short strings would mask ordinary words; real secrets are long.
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            # Whole tokens only, so that a 6-digit code does not mask digits
            # inside an account number.
            pattern = rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])"
            text = re.sub(pattern, MASK, text)
        return text


class Console:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.redact = Redactor()

    def say(self, message: str) -> None:
        self._line(f"awsenv: {message}")

    def enable_debug(self) -> None:
        from awsenv import trace

        trace.set_sink(self._debug)

    def _debug(self, message: str) -> None:
        self._line(f"awsenv[debug]: {message}")

    def _line(self, text: str) -> None:
        self.stream.write(self.redact(text) + "\n")
        self.stream.flush()

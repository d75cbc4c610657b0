"""One quoting function per shell. Each turns any string into a single literal
word of that shell; the renderer applies it to every value automatically."""

from __future__ import annotations

import re

from awsenv.errors import UsageError

# PowerShell ends a single-quoted string at any of these, not just U+0027.
_PWSH_QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise UsageError("a value holds a NUL character, which no environment variable can")
    return value


def posix(value: str) -> str:
    """bash, zsh, dash: nothing is special inside '...' except ' itself."""
    return "'" + _no_nul(value).replace("'", "'\\''") + "'"


def fish(value: str) -> str:
    """fish: inside '...' only \\ and ' are escapes (POSIX quoting breaks on a trailing \\)."""
    return "'" + _no_nul(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pwsh_literal(text: str) -> str:
    for quote in _PWSH_QUOTES:
        text = text.replace(quote, quote + quote)
    return "'" + text + "'"


def pwsh(value: str) -> str:
    """PowerShell: double every single-quote character, curly ones included.

    CR and LF cannot appear raw: `Invoke-Expression (cmd)` needs the whole
    output on one line. They become "`r" / "`n" in a parenthesised
    concatenation, the only double-quoted strings awsenv ever emits, holding
    nothing but that escape.
    """
    text = _no_nul(value)
    if "\r" not in text and "\n" not in text:
        return _pwsh_literal(text)
    pieces = []
    for part in re.split(r"([\r\n])", text):
        if part == "\n":
            pieces.append('"`n"')
        elif part == "\r":
            pieces.append('"`r"')
        elif part:
            pieces.append(_pwsh_literal(part))
    return "(" + " + ".join(pieces) + ")"

"""One quoting function per shell. Each turns any string into a single literal
word of that shell; the renderer applies it to every value automatically."""

from __future__ import annotations

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


def pwsh(value: str) -> str:
    """PowerShell: double every single-quote character, curly ones included."""
    text = _no_nul(value)
    for quote in _PWSH_QUOTES:
        text = text.replace(quote, quote + quote)
    return "'" + text + "'"

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


def _pwsh_literal(text: str) -> str:
    for quote in _PWSH_QUOTES:
        text = text.replace(quote, quote + quote)
    return "'" + text + "'"


def pwsh(value: str) -> str:
    """PowerShell: a single-quoted literal with every quote character doubled.

    The output is printable ASCII only. PowerShell decodes a native command's
    output with the console's code page (not UTF-8 on Windows), and
    `Invoke-Expression (cmd)` needs one line; so any other character, CR and LF
    included, becomes a `[char]0xNNNN` piece (one per UTF-16 unit) of a
    parenthesised concatenation that starts with a string.
    """
    text = _no_nul(value)
    if all(" " <= char <= "~" for char in text):
        return _pwsh_literal(text)
    pieces: list[str] = []
    run: list[str] = []
    for char in text:
        if " " <= char <= "~":
            run.append(char)
            continue
        if run:
            pieces.append(_pwsh_literal("".join(run)))
            run = []
        units = char.encode("utf-16-be", "surrogatepass")
        for i in range(0, len(units), 2):
            pieces.append(f"[char]0x{units[i] << 8 | units[i + 1]:04X}")
    if run:
        pieces.append(_pwsh_literal("".join(run)))
    if not pieces[0].startswith("'"):
        pieces.insert(0, "''")  # so that + means string concatenation
    return "(" + " + ".join(pieces) + ")"


def elvish(value: str) -> str:
    """elvish: inside '...' only a doubled '' stands for one quote; newlines,
    backslashes, `$` and backticks are literal."""
    return "'" + _no_nul(value).replace("'", "''") + "'"


# tcsh: what single quotes cannot hold safely, each escaped with a backslash
# outside them. `!` is history expansion even inside single quotes; a backslash
# inside them escapes the closing quote when the user sets `backslash_quote`;
# outside quotes `\X` is X in every setting.
_TCSH_ESCAPED = ("'", "\\", "!")


def tcsh(value: str) -> str:
    """tcsh: '...' runs with `'`, `\\` and `!` escaped outside them.

    The output is read through eval "`...`", which splits the command's output
    into words at newlines and joins them with spaces: a newline cannot survive
    it, so a value with one is refused.
    """
    text = _no_nul(value)
    if "\n" in text:
        raise UsageError('a value holds a line break, which tcsh\'s eval "`...`" cannot carry')
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if char in _TCSH_ESCAPED:
            if run:
                out.append("'" + "".join(run) + "'")
                run = []
            out.append("\\" + char)
        else:
            run.append(char)
    if run or not out:
        out.append("'" + "".join(run) + "'")
    return "".join(out)


def nu(value: str) -> str:
    """nushell: a JSON string. nushell cannot eval code, so its export is a
    JSON record that `from json | load-env` reads: no character of a value is
    ever syntax there. Non-ASCII stays as it is (nushell reads UTF-8 and has
    no \\uXXXX escape), so the same text is also a nushell string literal,
    which the `usage` line needs."""
    import json  # only on the full path: the fast path prints memos

    return json.dumps(_no_nul(value), ensure_ascii=False)


def xonsh(value: str) -> str:
    """xonsh: a Python string literal, read in Python mode (`$NAME = '...'`),
    where `$`, backticks and `!` are plain characters. ascii() writes every
    character that is not printable ASCII as an escape, CR and LF included,
    so the literal is one line that `execx($(...))` reads back exactly."""
    return ascii(_no_nul(value))

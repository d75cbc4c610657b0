"""configparser's line rules, once, as awsenv and botocore set it up:
RawConfigParser(strict=False), `=` and `:` delimiters, `#` and `;` full-line
comments only (no inline comments), empty lines allowed in values, a file read
with universal newlines.

The cheap name reader (profile_names), the section scanner (sections), setup's
diff (core/setup_edits) and the in-place editor (config/section_editor) read
lines through `kinds`; tests/test_ini_lines.py holds it to configparser itself.

Cheap to import (nothing at all): the fast path reads names with it.
"""

from __future__ import annotations

BLANK = 0  # blank, or a full-line comment: never ends a value
HEADER = 1  # `[name]` on the stripped line, the name running to the last `]`
OPTION = 2  # `key = value` or `key: value`: the first `=` or `:`, a key that is not empty
CONTINUATION = 3  # deeper than the line that set the level, after an option in a section
ORPHAN = 4  # before any section (configparser: MissingSectionHeaderError)
INVALID = 5  # in a section, none of the above (configparser: ParsingError)

REJECTED = frozenset((ORPHAN, INVALID))


def split(text: str) -> list[str]:
    """The lines of `text` by universal newlines (\\n, \\r\\n, \\r and nothing
    else: not the form feeds and separators str.splitlines breaks at), each with
    its ending; the last has none when the text does not end in one."""
    if "\r" in text:
        return _split_at_returns(text)
    lines = [line + "\n" for line in text.split("\n")]
    last = lines.pop()[:-1]
    if last:
        lines.append(last)
    return lines


def _split_at_returns(text: str) -> list[str]:
    lines = []
    start = 0
    cr = lf = -1
    while start < len(text):
        if cr < start:
            cr = text.find("\r", start)
        if lf < start:
            lf = text.find("\n", start)
        end = min(cr, lf) if cr >= 0 and lf >= 0 else max(cr, lf)
        if end < 0:
            lines.append(text[start:])
            break
        stop = end + 2 if text.startswith("\r\n", end) else end + 1
        lines.append(text[start:stop])
        start = stop
    return lines


def header_name(stripped: str) -> str | None:
    """The section a stripped line heads (configparser's `\\[(?P<header>.+)\\]`,
    matched at its start: the name runs to the last `]`), or None."""
    if stripped[:1] != "[":
        return None
    end = stripped.rfind("]")
    return stripped[1:end] if end >= 2 else None


def delimiter(stripped: str) -> int:
    """Where a stripped line's first `=` or `:` is, or -1."""
    equals = stripped.find("=")
    colon = stripped.find(":", 0, equals) if equals >= 0 else stripped.find(":")
    return colon if colon >= 0 else equals


def option_key(stripped: str) -> str | None:
    """The key of a stripped option line as written (before optionxform), or
    None when the line is not `key = value`."""
    cut = delimiter(stripped)
    key = stripped[:cut].rstrip() if cut > 0 else ""
    return key or None


def kinds(lines: list[str], *, shortcut: bool = True) -> list[int]:
    """The kind of each line, as configparser reads it. Most lines sit at the
    margin and take a short way (`shortcut=False` is for the test that proves
    it decides exactly as the general rule): a margin line never continues a
    value, and a margin key is never empty."""
    out: list[int] = []
    in_section = option = False
    level = 0  # a deeper line continues the option above
    for line in lines:
        first = line[:1]
        if shortcut and first and not first.isspace():
            if first in "#;":
                out.append(BLANK)
                continue
            level = 0
            if in_section and first not in "[=:" and ("=" in line or ":" in line):
                option = True
                out.append(OPTION)
                continue
            stripped = line.rstrip()
        else:
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                out.append(BLANK)  # never ends a value, never sets the level
                continue
            indent = len(line) - len(line.lstrip())
            if in_section and option and indent > level:
                out.append(CONTINUATION)
                continue
            level = indent
        kind, in_section, option = _not_continuing(stripped, in_section, option)
        out.append(kind)
    return out


def _not_continuing(stripped: str, in_section: bool, option: bool) -> tuple[int, bool, bool]:
    """(kind, in a section, after an option) for a line that continues nothing."""
    if header_name(stripped) is not None:
        return HEADER, True, False
    if not in_section:
        return ORPHAN, False, option
    cut = delimiter(stripped)
    if cut < 0:
        return INVALID, True, option  # configparser keeps the option it was in
    if not stripped[:cut].rstrip():
        return INVALID, True, False  # configparser's optname is now ""
    return OPTION, True, True

"""Profile names from the section headers of the two AWS files, and nothing else.

`awsenv list --names` (the shell completers' source) must cost little more
than starting Python, so this reads headers by configparser's own line rules
without importing configparser, argparse, jinja2 or botocore. The full reader
(profiles.AwsFiles) names profiles through `sections.config_profile_name` too, so
the two cannot disagree on the naming rule; tests/test_list.py proves that they
also agree on which lines are headers. Where this reader cannot be sure (a file
configparser would reject, a BOM, bytes that are not UTF-8) it says so with
None, and the caller asks the full reader, whose error is the right one.
"""

from __future__ import annotations

import os

from awsenv import paths
from awsenv.sections import DEFAULTS_SENTINEL, config_profile_name, is_option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def section_headers(text: str) -> list[str] | None:
    """The section names configparser (as awsenv and botocore configure it:
    `#`/`;` full-line comments, no inline comments, indented continuation
    lines) finds in `text`, in order; None for text it would reject."""
    headers: list[str] = []
    in_section = False
    option = False  # the last line started an option: deeper lines continue it
    indent_level = 0
    # Universal newlines only, as configparser reads a file (str.splitlines
    # would also split at form feeds and other separators).
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            continue
        if not line[0].isspace():
            # Most lines (a key or a header at the margin) take this short way,
            # which decides exactly as the general one below: with no indent,
            # a line never continues a value, and its key is never empty.
            first = line[0]
            if first in "#;":
                continue
            indent_level = 0
            if first == "[":
                stripped = line.rstrip()
                if "]" in stripped[2:]:
                    header = stripped[1 : stripped.rindex("]")]
                    if header == DEFAULTS_SENTINEL:
                        return None  # the full reader's defaults sentinel: let it judge
                    headers.append(header)
                    in_section, option = True, False
                    continue
            if not in_section:
                return None  # configparser: a line before any [section]
            # The first `=` or `:`: a `:` counts only before the first `=`.
            equals = line.find("=")
            colon = line.find(":", 0, equals) if equals >= 0 else line.find(":")
            delimiter = colon if colon >= 0 else equals
            if delimiter <= 0:
                return None  # not `key = value`: configparser rejects the file
            option = True
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        indent = len(line) - len(line.lstrip())
        if in_section and option and indent > indent_level:
            continue  # a continuation line, even if it looks like [a header]
        indent_level = indent
        if stripped.startswith("[") and "]" in stripped[2:]:
            # configparser's `\[(?P<header>.+)\]`, matched at the start: the
            # name runs to the last `]` on the line.
            header = stripped[1 : stripped.rindex("]")]
            if header == DEFAULTS_SENTINEL:
                return None  # the full reader's defaults sentinel: let it judge
            headers.append(header)
            in_section, option = True, False
        elif not in_section:
            return None  # configparser: a line before any [section]
        else:
            if not is_option(stripped):
                return None  # not `key = value`: configparser rejects the file
            option = True
    return headers


def _text(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        # A dangling symlink is the full reader's error to tell.
        return None if os.path.lexists(path) else ""
    except OSError:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def profile_names(environ: Mapping[str, str] = os.environ) -> list[str] | None:
    """Every profile name, sorted as `awsenv list` sorts them, or None when
    only the full reader can tell (see the module docstring)."""
    config = _text(paths.config_path(environ))
    credentials = _text(paths.credentials_path(environ))
    if config is None or credentials is None:
        return None
    config_headers = section_headers(config)
    credentials_headers = section_headers(credentials)
    if config_headers is None or credentials_headers is None:
        return None
    names = {name for s in config_headers if (name := config_profile_name(s)) is not None}
    return sorted(names | set(credentials_headers))


def names_text(environ: Mapping[str, str] = os.environ) -> str | None:
    """`awsenv list --names`'s output, or None when only the full reader can tell."""
    names = profile_names(environ)
    return None if names is None else "".join(f"{name}\n" for name in names)

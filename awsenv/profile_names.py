"""Profile names from the section headers of the two AWS files, and nothing else.

`awsenv list --names` (the shell completers' source) must cost little more
than starting Python, so this reads headers by configparser's own line rules
(ini_lines) without importing configparser, argparse, jinja2 or botocore. The full reader
(profiles.AwsFiles) names profiles through `sections.config_profile_name` too, so
the two cannot disagree on the naming rule; tests/test_list.py proves that they
also agree on which lines are headers. Where this reader cannot be sure (a file
configparser would reject, a BOM, bytes that are not UTF-8) it says so with
None, and the caller asks the full reader, whose error is the right one.
"""

from __future__ import annotations

import os

from awsenv import ini_lines, paths
from awsenv.ini_lines import HEADER
from awsenv.sections import DEFAULTS_SENTINEL, config_profile_name, new_config_section

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def section_headers(text: str) -> list[str] | None:
    """The section names configparser (set up as awsenv and botocore set it
    up: ini_lines) finds in `text`, in order; None for text it would reject.
    The full reader's defaults section is not a section to configparser."""
    lines = ini_lines.split(text)
    kinds = ini_lines.kinds(lines)
    if ini_lines.REJECTED.intersection(kinds):
        return None
    headers = [
        ini_lines.header_name(line.strip())
        for line, kind in zip(lines, kinds, strict=True)
        if kind == HEADER
    ]
    return [name for name in headers if name is not None and name != DEFAULTS_SENTINEL]


def config_sections_in(config: str, name: str) -> list[str]:
    """The sections of the config text `config` that name profile `name`, in
    configparser's order (each one's first header), for an edit to change
    every one of them: readers disagree on which one wins. botocore takes the
    last whole; the Go and JS SDKs take `[profile default]` over `[default]`
    wherever it stands, and read `[profile 'dev']` as a profile named 'dev'
    with its quotes. With none, the section awsenv writes for a new profile
    (appending `[default]` below a `[profile default]` would hide every
    setting of the old one from botocore)."""
    found = [
        section
        for section in dict.fromkeys(section_headers(config) or ())
        if config_profile_name(section) == name
    ]
    return found or [new_config_section(name)]


class _Unsure(Exception):
    """Only the full reader can tell (and its error is the right one)."""


def _raw(path: str) -> bytes | None:
    """The file's bytes; None when there is no file."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        # A dangling symlink is the full reader's error to tell.
        if os.path.lexists(path):
            raise _Unsure from None
        return None
    except OSError:
        raise _Unsure from None


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return ""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_files(environ: Mapping[str, str] = os.environ) -> tuple[bytes | None, bytes | None] | None:
    """The bytes of config and credentials (None: no such file), or None when
    only the full reader can tell."""
    try:
        return _raw(paths.config_path(environ)), _raw(paths.credentials_path(environ))
    except _Unsure:
        return None


def names_of(files: tuple[bytes | None, bytes | None]) -> list[str] | None:
    """Every profile name in the two files' bytes, sorted as `awsenv list`
    sorts them, or None when only the full reader can tell."""
    config, credentials = _text(files[0]), _text(files[1])
    if config is None or credentials is None:
        return None
    config_headers = section_headers(config)
    credentials_headers = section_headers(credentials)
    if config_headers is None or credentials_headers is None:
        return None
    names = {name for s in config_headers if (name := config_profile_name(s)) is not None}
    return sorted(names | set(credentials_headers))


def profile_names(environ: Mapping[str, str] = os.environ) -> list[str] | None:
    """Every profile name in the AWS files, or None (see names_of)."""
    files = read_files(environ)
    return None if files is None else names_of(files)


def names_text(files: tuple[bytes | None, bytes | None]) -> str | None:
    """`awsenv list --names`'s output, or None when only the full reader can tell."""
    names = names_of(files)
    return None if names is None else "".join(f"{name}\n" for name in names)

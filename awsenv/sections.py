"""Which parts of an AWS file a profile's chain depends on, without configparser.

A memo of `awsenv dev` depends on the sections of dev's chain, not on every
byte of the files: another profile's refresh rewrites its own section and
must not void dev's memo. This module splits a file into sections at the lines
configparser could read as headers, names each one as botocore does, and
digests the parts that matter to a set of profiles. The full path names config
sections with `config_profile_name` from here too, so both paths agree on
which section is which profile.

It is conservative where it cannot be exact cheaply: a header it cannot name
counts as every profile's, and a file with a header configparser might read
either way (an indented one) is only ever matched whole.

Cheap to import (nothing at all): the fast path uses it.
"""

from __future__ import annotations

# shlex treats these specially; a header without them splits on spaces alone.
_SHLEX_SPECIAL = frozenset("'\"\\")
UNKNOWN = "\0unknown"  # a header whose profile cannot be named without shlex
# The name awsenv's configparser gives its defaults section, so that no section
# of an AWS file is special to it (botocore reads `[DEFAULT]` as a profile's).
DEFAULTS_SENTINEL = "\0none"


def config_profile_name(section: str) -> str | None:
    """The profile a config-file section is, as botocore reads it
    (configloader.build_profile_map), or None: `[default]` is itself; a section
    that starts with `profile` is shlex-split and is a profile only as exactly
    two parts, so `[profile 'my dev']` is `my dev`, while `[profile my dev]`,
    `[profile]` and `[profileX]` are none; an unbalanced quote drops it. Anything
    else (sso-session, services, a bare name) is not a profile either."""
    if section == "default":
        return section
    if not section.startswith("profile"):
        return None
    simple = _simple_split(section)
    if simple is not None:
        parts = simple
    else:
        import shlex  # imports re: only for names with quotes or escapes

        try:
            parts = shlex.split(section)
        except ValueError:
            return None
    return parts[1] if len(parts) == 2 else None


def _simple_split(section: str) -> list[str] | None:
    """shlex.split(section) when it is only a split on spaces; else None."""
    if not section.isprintable() or not _SHLEX_SPECIAL.isdisjoint(section):
        return None  # quotes, escapes, tabs, or other whitespace shlex may not split on
    return [part for part in section.split(" ") if part]


def _cheap_name(header: str, config: bool) -> str | None:
    if not config:
        return header  # credentials-file sections are profile names as they stand
    if header == "default" or not header.startswith("profile"):
        return config_profile_name(header)
    if _simple_split(header) is None:
        return UNKNOWN
    return config_profile_name(header)


class Sections:
    """A file's bytes split at its header lines: (profile or None or UNKNOWN,
    bytes) per section, the text before the first header first (name None).
    `exact_only` is set when a header-like line is indented or padded, which
    configparser reads as a header or as a value's continuation depending on
    the lines before it: then only the whole file may be compared."""

    __slots__ = ("exact_only", "parts")

    def __init__(self, data: bytes, *, config: bool) -> None:
        self.exact_only = False
        self.parts: list[tuple[str | None, bytes]] = []
        name: str | None = None
        start = 0
        offset = 0
        # bytes.splitlines splits at \n, \r\n and \r, as universal newlines do.
        for line in data.splitlines(keepends=True):
            if line[:1] == b"[":
                body = line.rstrip(b"\r\n")
                if body[-1:] != b"]":
                    self.exact_only = True
                else:
                    self.parts.append((name, data[start:offset]))
                    try:
                        name = _cheap_name(body[1:-1].decode("utf-8"), config)
                    except UnicodeDecodeError:
                        self.exact_only = True
                    start = offset
            elif line.lstrip()[:1] == b"[":
                self.exact_only = True
            offset += len(line)
        self.parts.append((name, data[start:]))

    def digest(self, profiles: frozenset[str]) -> int:
        """A checksum of the sections `profiles` depend on: the text before the
        first header, theirs, and every one whose profile cannot be named."""
        import zlib

        crc = 0
        for index, (name, chunk) in enumerate(self.parts):
            if index == 0 or name == UNKNOWN or name in profiles:
                # Blank lines after a section separate it from the next one, and
                # configparser strips them from its last value: a section added
                # after it, with its blank line, leaves it as it was.
                crc = zlib.crc32(chunk.rstrip(b" \t\r\n") + b"\n", crc)
        return crc

    def others_readable(self, profiles: frozenset[str]) -> bool:
        """Would configparser still read the sections `profiles` do not depend
        on? Conservative: every line there is blank, a comment, its header, a
        `key = value` line at the margin, or an indented line after one (a
        continuation). Anything else means the full path must decide."""
        for index, (name, chunk) in enumerate(self.parts):
            if index == 0 or name == UNKNOWN or name in profiles:
                continue
            try:
                text = chunk.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
                lines = text.split("\n")[1:]
            except UnicodeDecodeError:
                return False
            option = False
            for line in lines:
                stripped = line.strip()
                if not stripped or stripped[0] in "#;":
                    continue
                if line[0] in " \t" and option:
                    continue  # a continuation of the option above
                if line[0] in " \t" or not is_option(stripped):
                    return False
                option = True
        return True


def is_option(line: str) -> bool:
    """Is this stripped line `key = value` (or `key: value`) to configparser?"""
    cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
    return cut > 0 and bool(line[:cut].rstrip())

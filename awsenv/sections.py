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


def new_config_section(name: str) -> str:
    """The config-file section awsenv writes for a profile the file lacks
    (profile_names.config_sections_in finds the ones it has)."""
    return "default" if name == "default" else f"profile {name}"


def _simple_split(section: str) -> list[str] | None:
    """shlex.split(section) when it is only a split on spaces; else None."""
    if not section.isprintable() or not _SHLEX_SPECIAL.isdisjoint(section):
        return None  # quotes, escapes, tabs, or other whitespace shlex may not split on
    return [part for part in section.split(" ") if part]


def _cheap_name(header: str, config: bool) -> str | None:
    if not config:
        return header  # credentials-file sections are profile names as they stand
    if header.startswith("sso-session"):
        # Where an SSO profile's start URL and region live: every memo counts
        # it as its own, since naming the profiles that use one needs configparser.
        return UNKNOWN
    if header == "default" or not header.startswith("profile"):
        return config_profile_name(header)
    if _simple_split(header) is None:
        return UNKNOWN
    return config_profile_name(header)


class Sections:
    """A file's bytes split at the lines configparser reads as headers
    (ini_lines): (profile or None or UNKNOWN, bytes) per section, the text
    before the first header first (name None). `exact_only` is set when a
    header-like line is indented or padded, which configparser reads as a
    header or as a value's continuation depending on the lines before it, or
    when the file is not UTF-8: then only the whole file may be compared."""

    __slots__ = ("_readable", "exact_only", "parts")

    def __init__(self, data: bytes, *, config: bool) -> None:
        # Imported here: a repeat call whose files are unchanged never splits them.
        from awsenv import ini_lines

        self.exact_only = False
        self.parts: list[tuple[str | None, bytes]] = []
        self._readable: list[bool] = []  # per part: see others_readable
        try:
            lines = ini_lines.split(data.decode("utf-8"))
        except UnicodeDecodeError:
            self.exact_only = True
            lines = []
        kinds = ini_lines.kinds(lines)
        name: str | None = None
        start = 0
        for index, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
            stripped = line.strip()
            if stripped[:1] == "[" and not (kind == ini_lines.HEADER and line[0] == "["):
                self.exact_only = True  # indented, or not a header: either way by context
            elif kind == ini_lines.HEADER and not line.rstrip("\r\n").endswith("]"):
                self.exact_only = True  # padded: `[a] ` or `[a] ; note`
            elif kind == ini_lines.HEADER:
                self._add(name, lines[start:index], kinds[start:index])
                name = _section_name(stripped[1:-1], config)
                start = index
        self._add(name, lines[start:], kinds[start:])
        if not lines:
            self.parts, self._readable = [(None, data)], [False]

    def _add(self, name: str | None, lines: list[str], kinds: list[int]) -> None:
        from awsenv.ini_lines import BLANK, CONTINUATION, HEADER, OPTION

        self.parts.append((name, "".join(lines).encode("utf-8")))
        # Conservative: an option must sit at the margin, as awsenv's and most
        # files' keys do.
        self._readable.append(
            all(
                kind in (BLANK, HEADER, CONTINUATION) or (kind == OPTION and not line[0].isspace())
                for line, kind in zip(lines, kinds, strict=True)
            )
        )

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
        on? Each of their lines is blank, a comment, its header, a `key = value`
        line at the margin, or a continuation (as ini_lines reads them).
        Anything else means the full path must decide."""
        return all(
            readable
            for index, ((name, _), readable) in enumerate(
                zip(self.parts, self._readable, strict=True)
            )
            if not (index == 0 or name == UNKNOWN or name in profiles)
        )


def _section_name(header: str, config: bool) -> str | None:
    """The profile a header names, or UNKNOWN: also for the full reader's
    defaults section, whose keys every profile reads."""
    return UNKNOWN if header == DEFAULTS_SENTINEL else _cheap_name(header, config)

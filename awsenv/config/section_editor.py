"""An in-place editor for one section of the shared credentials file.

Like the AWS CLI's own config writer, it edits lines instead of re-serialising
the file, so comments, blank lines, order, spacing, line endings and every
other section stay exactly as they were.

Writing is a compare-and-swap. The caller holds the file's lock; the file is
read again right before the edit, so whatever anyone changed elsewhere in it
since the run began (a `[team]` section appended during the MFA prompt) is
kept. If awsenv's own section changed since the run read it:
- it now holds long-term keys (no session token): refused, nothing written;
  the user has made it a key profile and awsenv must not destroy those keys;
- it now holds a session that expires no earlier than ours (another writer got
  a fresher one): kept, nothing written;
- anything else (a stale session, other keys edited): ours is written, and only
  awsenv's keys change.

Files awsenv will not replace (see `check_replaceable`): a hard-linked file,
since a replace would leave the other names with the old keys and nobody would
notice, and a file without its owner's write bit, since that is how a person
says "do not touch". Writing in place instead would break all-or-nothing, so
both are refused with one line before any MFA code is asked for.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from awsenv import ini_lines
from awsenv.aws.credentials import Credentials, format_time, parse_time
from awsenv.config.profiles import parse_ini
from awsenv.errors import ConfigError
from awsenv.ini_lines import BLANK, CONTINUATION, HEADER, OPTION
from awsenv.profile_names import config_sections_in
from awsenv.store.atomic import ChangedMeanwhile, OwnerNotKept, write_atomic


def session_section(creds: Credentials) -> dict[str, str]:
    """The keys an MFA session profile's section holds."""
    values = {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token or "",
    }
    if creds.expiration:
        values["expiration"] = format_time(creds.expiration)
    return values


def update_section(
    text: str, section: str, values: Mapping[str, str], remove: Collection[str] = ()
) -> str:
    """Return `text` with `values` set in `[section]` and the keys in `remove`
    (with their continuation lines) taken out of it; nothing else changes.
    As the AWS CLI's ConfigFileWriter does: find the section, replace or remove
    its keys, insert the missing ones, or append the section."""
    _check_one_line(section, values)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = ini_lines.split(text)
    kinds = ini_lines.kinds(lines)
    blocks = _blocks(lines, kinds, section)
    if not blocks:
        return _append_section(text, section, values, newline)
    wanted = {key.lower(): value for key, value in values.items()}  # configparser's optionxform
    edit = _Replace(wanted, {key.lower() for key in remove} - set(wanted))
    out: list[tuple[str, int]] = []  # (line, kind)
    first = -1  # where the first [section] starts in `out`
    done = 0
    for start, end in blocks:
        out.extend(zip(lines[done:start], kinds[done:start], strict=True))
        first = len(out) if first < 0 else first
        out.extend(edit.block(lines[start:end], kinds[start:end]))
        done = end
    out.extend(zip(lines[done:], kinds[done:], strict=True))
    # Every occurrence was replaced (configparser lets the last one win); the
    # keys that none of them held go into the first.
    missing = {key.lower(): key for key in values if key.lower() not in edit.seen}
    if missing:
        _insert(out, first, [(key, values[key]) for key in missing.values()], newline)
    return "".join(line for line, _ in out)


def update_profile(
    config: str, name: str, values: Mapping[str, str], remove: Collection[str] = ()
) -> str:
    """`update_section` for the config file's profile `name`: in every section
    that names it (profile_names.config_sections_in), so that each reader
    finds the edit in the one it reads."""
    for section in config_sections_in(config, name):
        config = update_section(config, section, values, remove)
    return config


def _check_one_line(section: str, values: Mapping[str, str]) -> None:
    if not section or any(c in section for c in "\r\n\0"):
        raise ConfigError(f"refusing to write section {section!r}: not a one-line name")
    for key, value in values.items():
        if not key or any(c in value for c in "\r\n\0") or any(c in key for c in "\r\n\0=:"):
            raise ConfigError(f"refusing to write [{section}] {key!r}: not a one-line key = value")


def _blocks(lines: list[str], kinds: list[int], section: str) -> list[tuple[int, int]]:
    """Find: (first line, end) of every occurrence of `[section]`."""
    headers = [index for index, kind in enumerate(kinds) if kind == HEADER]
    ends = [*headers[1:], len(lines)]
    return [
        (start, end)
        for start, end in zip(headers, ends, strict=False)
        if ini_lines.header_name(lines[start].strip()) == section
    ]


class _Replace:
    """Replace and remove, block by block: a wanted key's line gets the new
    value, a removed key's line goes, and the continuation lines of either go."""

    def __init__(self, wanted: Mapping[str, str], removed: set[str]) -> None:
        self.wanted = wanted
        self.removed = removed
        self.seen: set[str] = set()

    def block(self, lines: list[str], kinds: list[int]) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        dropping = False  # the option above is replaced or removed
        for line, kind in zip(lines, kinds, strict=True):
            if kind == OPTION:
                key = (ini_lines.option_key(line.strip()) or "").lower()
                dropping = key in self.wanted or key in self.removed
                if key in self.wanted:
                    self.seen.add(key)
                    out.append((_set_value(line, self.wanted[key]), kind))
                elif not dropping:
                    out.append((line, kind))
            elif kind != CONTINUATION or not dropping:
                out.append((line, kind))
        return out


def _set_value(line: str, value: str) -> str:
    """The option line with `value` after its delimiter, its own spacing kept;
    `key =` gets `key = value` and `key=` gets `key=value`."""
    body = line.rstrip("\r\n")
    cut = ini_lines.delimiter(body)
    rest = body[cut + 1 :]
    old = rest.lstrip()
    after = rest[: len(rest) - len(old)]
    if not after and not old and value:
        head = body[:cut]
        after = head[len(head.rstrip()) :]
    return f"{body[: cut + 1]}{after}{value}{line[len(body) :]}"


def _insert(
    out: list[tuple[str, int]], header: int, added: list[tuple[str, str]], newline: str
) -> None:
    """Insert `added` in the section whose header is at `header`: after its
    last key line and that key's continuation lines (not after trailing
    comments), or right after the header; indented so that configparser reads
    them, and every line after them, as meant."""
    end = next((i for i in range(header + 1, len(out)) if out[i][1] == HEADER), len(out))
    block = out[header:end]
    keys = [i for i, (_, kind) in enumerate(block) if kind == OPTION]
    ends = [i for i, (_, kind) in enumerate(block) if kind in (OPTION, CONTINUATION)]
    at = header + (ends[-1] + 1 if ends else 1)
    indent = _indent(block[keys[-1] if keys else 0][0])
    key_indent = _new_key_indent(out[at:], indent, after_key=bool(keys))
    above, kind = out[at - 1]
    if not above.endswith(("\n", "\r")):
        out[at - 1] = (above + newline, kind)
    out[at:at] = [(f"{key_indent}{key} = {value}{newline}", OPTION) for key, value in added]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _new_key_indent(rest: list[tuple[str, int]], indent: str, *, after_key: bool) -> str:
    """How far to indent a key inserted before `rest` so that configparser reads
    it, and every line after it, as before: a line indented deeper than the key
    above it continues that key's value (an indented `  [next]` header included).
    Below a key, the sibling's indent is right: the next line was not deeper
    than it. Below a header, the key must be at least as deep as the next line."""
    if after_key:
        return indent
    following = next((_indent(line) for line, kind in rest if kind != BLANK), indent)
    return following if len(following) > len(indent) else indent


def _append_section(text: str, section: str, values: Mapping[str, str], newline: str) -> str:
    parts = [text]
    if text and not text.endswith("\n"):
        parts.append(newline)
    if text.strip():
        parts.append(newline)
    parts.append(f"[{section}]{newline}")
    parts.extend(f"{key} = {value}{newline}" for key, value in values.items())
    return "".join(parts)


@dataclass(frozen=True)
class Edit:
    """What `write_section` did: the file's bytes the edit was made on (b"" for
    no file) and the bytes it left, equal when nothing needed writing."""

    before: bytes
    after: bytes

    @property
    def wrote(self) -> bool:
        return self.before != self.after


def write_section(
    path: Path,
    section: str,
    values: Mapping[str, str],
    *,
    read: Mapping[str, str] | None = None,
) -> Edit | None:
    """Set `values` in `[section]` of the file at `path`, atomically, and say
    what the file held before and after; None when another writer's session
    there was kept and nothing was written. `read` is the section as the run
    read it ({} if it had none): when the file now holds something else there,
    see the module docstring.

    The caller holds the file's lock, which every awsenv takes; other writers
    (`aws configure set`, an editor) take none. So the file is read again right
    before the rename, and if it changed the edit is made again on the new text."""
    check_replaceable(path)
    for _ in range(ATTEMPTS):
        raw = _read(path)
        updated = _edited(path, raw, section, values, read)
        if updated is None:
            return None
        if updated == raw:
            return Edit(raw, raw)
        try:
            write_atomic(path, updated, unchanged=_still(path, raw))
        except ChangedMeanwhile:
            continue
        except OwnerNotKept as exc:
            raise ConfigError(
                f"{path} belongs to uid {exc.uid} gid {exc.gid}, and awsenv (uid {os.geteuid()}) "
                f"cannot give its replacement that owner ({exc.strerror}); nothing was written: "
                "run awsenv as the file's owner"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
        return Edit(raw, updated)
    raise ConfigError(
        f"{path} changed {ATTEMPTS} times while awsenv wrote it; nothing was written: "
        "run awsenv again when the other writer is done"
    )


# Edits made again because another writer changed the file meanwhile.
ATTEMPTS = 5


def _still(path: Path, raw: bytes) -> Callable[[], bool]:
    return lambda: _read(path) == raw


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _edited(
    path: Path,
    raw: bytes,
    section: str,
    values: Mapping[str, str],
    read: Mapping[str, str] | None,
) -> bytes | None:
    """The file's new bytes, or None when another writer's session is kept."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; awsenv will not rewrite it") from None
    if read is not None:
        now_holds = parse_ini(text, path).get(section, {})
        if now_holds != dict(read) and _keep_theirs(path, section, now_holds, values):
            return None
    return update_section(text, section, values).encode("utf-8")


def check_unchanged(path: Path, expected: bytes | None, changed: str) -> None:
    """Refuse, with `changed` ("{path} changed since the diff was shown; …"),
    when the file no longer holds `expected` (None: it did not exist)."""
    if _current(path) != expected:
        raise ConfigError(changed)


def replace_if_unchanged(path: Path, expected: bytes | None, new: bytes, changed: str) -> None:
    """setup's compare-and-swap: replace `path` with `new` only while it holds
    `expected` (None: absent), checked now and once more right before the
    rename, for writers that take no lock (an editor, `aws configure set`).
    The caller holds the file's lock; `changed` is the refusal's one line."""
    check_replaceable(path)
    check_unchanged(path, expected, changed)
    try:
        write_atomic(path, new, unchanged=lambda: _current(path) == expected)
    except ChangedMeanwhile:
        raise ConfigError(changed) from None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def check_replaceable(path: Path) -> None:
    """Refuse, with one line, a file awsenv must not replace (module docstring),
    or cannot: the directory its replacement is made in must be writable."""
    _check_directory(path)
    try:
        info = path.stat()
    except OSError:
        return  # missing: created; unreadable: reading it says why
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise ConfigError(
            f"{path} has {info.st_nlink} hard links; replacing it would leave the other "
            "names with the old keys, so awsenv will not write it (keep one name and make "
            "the others symlinks, which awsenv writes through)"
        )
    if not info.st_mode & stat.S_IWUSR:
        raise ConfigError(f"{path} is read-only; awsenv will not write it (chmod u+w to allow)")


def _check_directory(path: Path) -> None:
    # The replacement (and the lock beside the file) is made in the directory
    # of the file's real path, or in the nearest one that exists.
    directory = Path(os.path.realpath(path)).parent
    while not directory.exists() and directory.parent != directory:
        directory = directory.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{directory} is not writable, so awsenv cannot replace {path} in it; "
            f"nothing was written (chmod u+w {directory} to allow)"
        )


def exposure_warning(path: Path) -> str | None:
    """One line when the file that now holds secrets can be read by others."""
    if os.name != "posix":
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    who = [name for bit, name in ((0o040, "its group"), (0o004, "other users")) if mode & bit]
    if not who:
        return None
    return (
        f"{path} is readable by {' and '.join(who)} (mode {mode:04o}) and holds session "
        f"keys; run `chmod 600 {path}` to keep them yours"
    )


def _keep_theirs(
    path: Path, section: str, now_holds: Mapping[str, str], values: Mapping[str, str]
) -> bool:
    """[section] changed since the run read it: keep it (True), write ours
    (False), or refuse."""
    if now_holds.get("aws_access_key_id") and not now_holds.get("aws_session_token"):
        raise ConfigError(
            f"[{section}] in {path} changed while awsenv ran and now holds long-term keys; "
            "awsenv will not overwrite them"
        )
    theirs = _expiry(now_holds)
    ours = _expiry(values)
    if theirs is None or ours is None or not now_holds.get("aws_session_token"):
        return False
    return theirs >= ours and theirs > datetime.now(timezone.utc)


def _expiry(section: Mapping[str, str]) -> datetime | None:
    text = section.get("expiration") or section.get("aws_expiration")
    try:
        return parse_time(text) if text else None
    except (ValueError, OverflowError):
        return None

"""An in-place editor for one section of the shared credentials file.

Like the AWS CLI's own config writer, it edits lines instead of re-serialising
the file, so comments, blank lines, order, spacing, line endings and every
other section stay exactly as they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from awsenv.atomic import write_atomic
from awsenv.credentials import Credentials, format_time
from awsenv.errors import ConfigError

_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\]]*?)\s*\]\s*(?:[#;].*)?$")
_KEY = re.compile(r"^(?P<key>[^\s=#;\[][^=]*?)\s*=")


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


def update_section(text: str, section: str, values: Mapping[str, str]) -> str:
    """Return `text` with `values` set in `[section]`; nothing else changes."""
    for key, value in values.items():
        if any(c in value for c in "\r\n\0") or any(c in key for c in "\r\n\0="):
            raise ConfigError(f"refusing to write [{section}] {key}: it spans lines")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    start, end = _find_section(lines, section)
    if start is None:
        return _append_section(text, section, values, newline)
    body = lines[start + 1 : end]
    pending = dict(values)
    insert_at = 0  # index in body after the last key line (and its continuations)
    out: list[str] = []
    skipping_continuation = False
    for line in body:
        if skipping_continuation and line[:1] in (" ", "\t") and line.strip():
            continue  # drop a replaced key's indented continuation lines
        skipping_continuation = False
        match = _KEY.match(line)
        if match:
            key = match.group("key").strip()
            if key in values:
                # Every occurrence: configparser lets the last duplicate win.
                prefix = line[: match.end()]
                ending = line[len(line.rstrip("\r\n")) :] or newline
                spacer = "" if prefix.endswith(" ") else " "
                out.append(f"{prefix}{spacer}{values[key]}{ending}")
                pending.pop(key, None)
                skipping_continuation = True
            else:
                out.append(line)
            insert_at = len(out)
        elif line[:1] in (" ", "\t") and line.strip() and insert_at == len(out):
            out.append(line)  # continuation of a key we keep
            insert_at = len(out)
        else:
            out.append(line)
    if pending:
        if insert_at and not out[insert_at - 1].endswith("\n"):
            out[insert_at - 1] += newline
        added = [f"{key} = {value}{newline}" for key, value in pending.items()]
        out[insert_at:insert_at] = added
    header = lines[start]
    if not header.endswith("\n") and (out or pending):
        header += newline
    return "".join([*lines[:start], header, *out, *lines[end:]])


def _find_section(lines: list[str], section: str) -> tuple[int | None, int]:
    start = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            continue
        if start is not None:
            return start, index
        if match.group("name") == section:
            start = index
    return start, len(lines)


def _append_section(text: str, section: str, values: Mapping[str, str], newline: str) -> str:
    parts = [text]
    if text and not text.endswith("\n"):
        parts.append(newline)
    if text.strip():
        parts.append(newline)
    parts.append(f"[{section}]{newline}")
    parts.extend(f"{key} = {value}{newline}" for key, value in values.items())
    return "".join(parts)


def write_section(path: Path, section: str, values: Mapping[str, str]) -> None:
    """Set `values` in `[section]` of the file at `path`, atomically."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; awsenv will not rewrite it") from None
    updated = update_section(text, section, values)
    if updated == text:
        return
    try:
        write_atomic(path, updated.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None

"""Writes staged while STS calls are under way, committed only when the whole
chain succeeded, so a failure leaves every file as it was."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from awsenv.aws.credentials import Credentials
from awsenv.config.profiles import AwsFiles
from awsenv.config.section_editor import (
    Edit,
    check_unchanged,
    exposure_warning,
    replace_if_unchanged,
    session_section,
    write_section,
)
from awsenv.store.atomic import remove_stale_temps
from awsenv.store.cache import Cache
from awsenv.store.locks import Locks, file_lock_name


class Unknown:
    """What a file holds after another writer changed it during the run."""


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Committed:
    """The credentials file's bytes as the commit left them (None: no file;
    UNKNOWN: another writer changed it meanwhile), and what to warn about."""

    credentials: bytes | Unknown | None
    warnings: tuple[str, ...]


@dataclass
class Staged:
    cache_writes: dict[str, Credentials] = field(default_factory=dict)
    # The local clock minus STS's, per credentials issued in this run.
    skews: dict[str, timedelta | None] = field(default_factory=dict)
    # Session profiles' sections of the credentials file, by name.
    section_writes: dict[str, Credentials] = field(default_factory=dict)
    # Cache entries served as they were (their folders are swept too).
    from_cache: set[str] = field(default_factory=set)

    @property
    def sections_written(self) -> tuple[tuple[str, dict[str, str]], ...]:
        """The credentials-file sections `commit` sets, in its order, with their values."""
        return tuple((name, session_section(c)) for name, c in self.section_writes.items())

    def commit(self, files: AwsFiles, cache: Cache, locks: Locks) -> Committed:
        """The credentials file first, since a failure there is an error and must
        leave the cache as it was; then the cache, which is only an
        optimisation, so a failure there is a warning."""
        warnings: list[str] = []
        path = files.credentials_path
        if self.section_writes:
            locks.hold(file_lock_name(path), f"writing {path}")
        left: bytes | Unknown | None = files.credentials_bytes
        for section, values in self.sections_written:
            # What the run read of the section, for the compare-and-swap.
            read = files.credentials.get(section, {})
            edit = write_section(path, section, values, read=read)
            left = _after(left, edit)
            if edit is not None and edit.wrote and (warning := exposure_warning(path)):
                warnings.append(warning)
        try:
            for key, creds in self.cache_writes.items():
                cache.store(key, creds, self.skews.get(key))
        except OSError as exc:
            warnings.append(
                f"cannot write the cache in {cache.root} ({exc.strerror}); "
                "the next call will ask STS again"
            )
        # A killed awsenv's temp files hold secrets. The next run may find all
        # it needs cached and write nothing next to them: it cleans up anyway.
        keys = self.from_cache | set(self.cache_writes)
        for directory in {
            Path(os.path.realpath(path)).parent,
            *(cache.path(k).parent for k in keys),
        }:
            remove_stale_temps(directory)
        return Committed(left, tuple(warnings))


def _after(expected: bytes | Unknown | None, edit: Edit | None) -> bytes | Unknown | None:
    """The file's bytes after `edit`, when it was made on the bytes expected."""
    if isinstance(expected, Unknown) or edit is None or edit.before != (expected or b""):
        return UNKNOWN  # another writer's session kept, or the file changed meanwhile
    return edit.after if edit.wrote else expected


def replace_files(
    files: AwsFiles, config: str, credentials: str, changed: str, locks: Locks
) -> None:
    """Both AWS files as `config` and `credentials`, under the lock every awsenv
    writer takes, and only while each still holds what was read: another
    awsenv refreshing a session, or an editor, may have changed one meanwhile.
    Both are checked before either is written. `changed` is the refusal, with
    `{}` for the path."""
    targets = (
        (files.config_path, files.config_bytes, config),
        (files.credentials_path, files.credentials_bytes, credentials),
    )
    for path, _read, _new in targets:
        locks.hold(file_lock_name(path), f"writing {path}")
    for path, read, _new in targets:
        check_unchanged(path, read, changed.format(path))
    for path, read, new in targets:
        if (read or b"").decode("utf-8") != new:
            replace_if_unchanged(path, read, new.encode("utf-8"), changed.format(path))

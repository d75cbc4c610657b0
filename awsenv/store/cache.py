"""awsenv's own credential cache: one private JSON file per cache key.

Keys describe *what* the credentials are for (never a secret); the file name is
a hash of the key so that ARNs and odd profile names need no escaping.

An entry is read only when it passes the ownership rule (ownership.py) from the
cache root down: anything another user could have written or swapped is a
miss, and so is a damaged entry. Either is said once per run, naming the path,
through `warnings`, which the core passes on to the user.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from awsenv import ownership
from awsenv.aws.credentials import Credentials
from awsenv.store.atomic import ensure_private_dir, write_atomic

# STS never issues sessions outside these; anything else is damage, and times
# near datetime's limits would overflow in the margin arithmetic.
_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)
# No clock that issued a usable credential is a year off.
_MAX_SKEW = 366 * 86400


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.warnings: list[str] = []
        self._said: set[str] = set()
        # The entries (file names under creds/) this run looked at or wrote.
        self.touched: set[str] = set()
        # Per key loaded: the local clock minus STS's, measured when the entry's
        # credentials were issued, so that a cached call judges them by both.
        self.skews: dict[str, timedelta] = {}
        # Set once a directory of the cache was found loose: the run's own
        # writes (a lock, an entry) tighten it, but what was planted in it
        # meanwhile is still there, so nothing is read from it in this run.
        self._reads_refused = False
        other = ownership.foreign_owner(str(root))
        # Not ours (another user's cache, or root run with a user's HOME): no
        # reads, and no writes that would lock its owner out of it.
        self.usable = other is None
        if other is not None:
            self._warn(
                "foreign",
                f"not using the cache in {root}: it belongs to uid {other}, not to you "
                f"(uid {os.geteuid()}); every step asks STS",
            )

    def path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        self.touched.add(f"{digest}.json")
        return self.root / "creds" / f"{digest}.json"

    def stored_at(self, key: str) -> float | None:
        """When the entry for `key` was last written (its mtime), or None."""
        if not self.usable:
            return None
        try:
            return self.path(key).stat().st_mtime
        except OSError:
            return None

    def load(self, key: str) -> Credentials | None:
        """The cached credentials for `key`, or None. An untrusted or damaged
        entry is a miss, with a warning."""
        if not self.usable or self._reads_refused:
            return None
        path = self.path(key)
        try:
            fd = ownership.open_private(str(self.root), ("creds", path.name))
        except ownership.Untrusted as exc:
            self._reads_refused = exc.path != str(path)
            self._warn("untrusted", f"ignoring the cache: {exc.path} {exc.why}")
            return None
        except OSError:
            return None  # no entry yet
        try:
            with open(fd, "rb") as handle:
                data = json.loads(handle.read())
            if data.get("key") != key:
                return None  # a hash collision, as good as absent
            creds = Credentials.from_json(data["credentials"])
            if creds.expiration is None or not _EARLIEST <= creds.expiration < _LATEST:
                raise ValueError("expiration out of range")
            skew = _skew(data.get("skew"))
        except (OSError, ValueError, OverflowError, KeyError, TypeError, AttributeError):
            self._warn("damaged", f"ignoring a damaged cache entry: {path}")
            return None
        if skew is not None:
            self.skews[key] = skew
        return creds

    def store(self, key: str, credentials: Credentials, skew: timedelta | None = None) -> None:
        """Keep `credentials` for `key`, with the local clock's `skew` from STS's
        when they were issued (None: not measured)."""
        if not self.usable:
            return
        try:
            ensure_private_dir(self.root / "creds", root=self.root)
        except ownership.Untrusted as exc:
            self._warn("untrusted", f"not writing the cache: {exc.path} {exc.why}")
            return
        path = self.path(key)
        # write_atomic writes through a link and keeps a file's mode: an entry
        # that is not plainly ours is removed, not written into.
        with contextlib.suppress(FileNotFoundError):
            if not ownership.is_private(os.lstat(path), directory=False):
                path.unlink()
        payload: dict[str, object] = {"key": key, "credentials": credentials.to_json()}
        if skew is not None:
            payload["skew"] = round(skew.total_seconds(), 3)
        write_atomic(path, json.dumps(payload, indent=1).encode())

    def _warn(self, kind: str, message: str) -> None:
        # One warning of each kind per run, naming the first path found: the
        # resolver asks for an entry several times, and one bad directory
        # makes every entry in it a miss.
        if kind not in self._said:
            self._said.add(kind)
            self.warnings.append(message)


def _skew(value: object) -> timedelta | None:
    """An entry's skew in seconds (absent in entries of older awsenv)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("skew is not a number")
    if not abs(value) < _MAX_SKEW:  # also NaN
        raise ValueError("skew out of range")
    return timedelta(seconds=value)

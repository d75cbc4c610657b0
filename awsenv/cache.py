"""awsenv's own credential cache: one private JSON file per cache key.

Keys describe *what* the credentials are for (never a secret); the file name is
a hash of the key so that ARNs and odd profile names need no escaping.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from awsenv.atomic import ensure_private_dir, write_atomic
from awsenv.credentials import Credentials


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        return self.root / "creds" / f"{digest}.json"

    def load(self, key: str) -> Credentials | None:
        """The cached credentials for `key`, or None. A damaged entry is a miss."""
        try:
            data = json.loads(self.path(key).read_bytes())
            if data.get("key") != key:
                return None
            return Credentials.from_json(data["credentials"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store(self, key: str, credentials: Credentials) -> None:
        ensure_private_dir(self.root / "creds", root=self.root)
        payload = {"key": key, "credentials": credentials.to_json()}
        write_atomic(self.path(key), json.dumps(payload, indent=1).encode())

"""The AWS CLI's IAM Identity Center token cache, shared with every SDK.

`~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json`,
with the AWS CLI's fields: a login made by `aws sso login` is used here, and
one made by `awsenv login` is used by the AWS CLI and every SDK. Written 0600,
all or nothing (atomic.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from awsenv.aws.credentials import format_time, parse_time
from awsenv.store.atomic import PRIVATE_FILE, write_atomic


@dataclass(frozen=True)
class SsoToken:
    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_token, self.client_secret, self.refresh_token) if s)

    def refreshable(self, now: datetime) -> bool:
        """A refresh token, and the client registration it belongs to still valid."""
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and self.registration_expires_at is not None
            and self.registration_expires_at > now
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token,
            "expiresAt": format_time(self.expires_at),
        }
        if self.client_id and self.client_secret:
            data["clientId"] = self.client_id
            data["clientSecret"] = self.client_secret
        if self.registration_expires_at is not None:
            data["registrationExpiresAt"] = format_time(self.registration_expires_at)
        if self.refresh_token:
            data["refreshToken"] = self.refresh_token
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SsoToken:
        registration = data.get("registrationExpiresAt")
        return cls(
            start_url=str(data.get("startUrl", "")),
            region=str(data.get("region", "")),
            access_token=str(data["accessToken"]),
            expires_at=parse_time(str(data["expiresAt"])),
            client_id=data.get("clientId") or None,
            client_secret=data.get("clientSecret") or None,
            registration_expires_at=parse_time(str(registration)) if registration else None,
            refresh_token=data.get("refreshToken") or None,
        )


def cache_dir() -> Path:
    # botocore's own: `~/.aws/sso/cache`, with no variable to move it.
    return Path("~", ".aws", "sso", "cache").expanduser()


def token_path(cache_name: str) -> Path:
    digest = hashlib.sha1(cache_name.encode("utf-8"), usedforsecurity=False).hexdigest()
    return cache_dir() / f"{digest}.json"


def load(cache_name: str) -> SsoToken | None:
    """The cached token, or None: none there, or one no SDK could use either."""
    try:
        data = json.loads(token_path(cache_name).read_bytes())
        return SsoToken.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store(cache_name: str, token: SsoToken) -> Path:
    path = token_path(cache_name)
    write_atomic(
        path, json.dumps(token.to_json(), indent=2).encode(), new_mode=PRIVATE_FILE, private=True
    )
    return path


def now() -> datetime:
    return datetime.now(timezone.utc)

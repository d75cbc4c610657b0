"""The credential value awsenv passes between STS, the cache and the shell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

# The times awsenv accepts as an expiry. Before the epoch nothing can have been
# issued, and the shell hook counts in epoch seconds; by 3000 no credential that
# exists today is alive. Outside this range a time is a corrupt value, and
# arithmetic near datetime's own limits (years 1 and 9999) would overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)


def check_time(moment: datetime) -> datetime:
    """`moment` in aware UTC; ValueError when it is naive or out of range."""
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    try:
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, OSError):  # year 1 east of UTC; a local zone at year 9999
        raise ValueError("a time out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("a time out of range")
    return utc


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time (`Z` or an offset; naive means UTC) into aware UTC.
    Anything unusable, garbage or out of range, is a ValueError, never another
    exception."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return check_time(parsed)


def format_time(moment: datetime) -> str:
    """UTC, whole seconds, `Z` suffix: what people and SDKs both read without surprise."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None

    def __repr__(self) -> str:
        # Never let a secret reach a log or a traceback through repr().
        expiry = format_time(self.expiration) if self.expiration else None
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={expiry!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.secret_access_key, self.session_token) if v)

    def valid_for(self, margin: timedelta, now: datetime, skew: timedelta | None = None) -> bool:
        """True when these credentials outlive `now + margin` (long-term keys
        always do), by the local clock and by STS's: `skew` is the local clock
        minus STS's, as measured when they were issued (None: unknown)."""
        # A difference of two datetimes never overflows; `expiration - margin` can.
        return self.expiration is None or self.expiration - now > margin + _behind(skew)

    def deadline(self, skew: timedelta | None = None) -> datetime | None:
        """When they expire by the local clock's reading: their expiration, or
        earlier when the local clock is behind STS's (`skew` < 0), whose clock
        the expiration is on. A clock ahead of STS's already judges them early."""
        if self.expiration is None:
            return None
        try:
            return self.expiration - _behind(skew)
        except OverflowError:
            return self.expiration

    def to_json(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": format_time(self.expiration) if self.expiration else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        expiration = data.get("Expiration")
        if isinstance(expiration, datetime):  # botocore parses STS's answer itself
            expiry: datetime | None = check_time(expiration)
        else:
            expiry = parse_time(expiration) if expiration else None
        return cls(
            access_key_id=str(data["AccessKeyId"]),
            secret_access_key=str(data["SecretAccessKey"]),
            session_token=data.get("SessionToken") or None,
            expiration=expiry,
        )


def _behind(skew: timedelta | None) -> timedelta:
    """How far the local clock is behind STS's (never negative)."""
    return -skew if skew is not None and skew < timedelta(0) else timedelta(0)

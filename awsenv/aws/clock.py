"""The local clock against STS's: the skew, measured from the Date header of
STS's answers, and how to say it.

awsenv judges every expiry by the local clock, because that is the clock the
shell hook and the SDKs will use. STS's clock only explains why an answer that
was fine where it was issued is unusable here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

# NTP keeps clocks within a second; five minutes off is a misconfigured clock.
TOLERANCE = timedelta(minutes=5)
# A Date header counts whole seconds: STS's clock is known to within this.
DATE_RESOLUTION = timedelta(seconds=1)


def server_time(headers: Mapping[str, str] | None) -> datetime | None:
    """The time in an HTTP `Date` header (aware UTC), or None when it is absent
    or unreadable: a missing skew is unknown, never zero."""
    from email.utils import parsedate_to_datetime

    raw = (headers or {}).get("date")
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None


def describe(skew: timedelta | None) -> str:
    """`skew` (local minus STS) in words: 'the local clock is 9 h 0 min ahead of STS'."""
    if skew is None:
        return "the local clock's skew from STS is unknown"
    seconds = round(abs(skew.total_seconds()))
    if seconds < 1:
        return "the local clock agrees with STS"
    direction = "ahead of" if skew > timedelta(0) else "behind"
    return f"the local clock is {_duration(seconds)} {direction} STS"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"

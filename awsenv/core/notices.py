"""Notices said once: once per profile per MFA session, not on every refresh.

A marker per profile in the cache remembers what was last said and for which
session; a new session (a new code typed) or a new reason says it again. The
marker is only a courtesy: when it cannot be read or written, the notice is
said again, never lost.
"""

from __future__ import annotations

from pathlib import Path

from awsenv.aws.credentials import Credentials, format_time
from awsenv.core.plan import MfaSession, Node, walk
from awsenv.store.atomic import ensure_private_dir, write_atomic
from awsenv.store.cache import Cache

# The README section that explains why AWS_PROFILE is sometimes not exported.
README_SECTION = "README: AWS_PROFILE"


def aws_profile_notice(why_not: str, removed: bool) -> str:
    """One short line: whether awsenv removed an AWS_PROFILE or just did not set one."""
    what = "AWS_PROFILE removed" if removed else "AWS_PROFILE not set"
    line = f"{what}: {why_not}"
    # A reason that carries its own fix needs no pointer to the README.
    return line if "; fix: " in why_not else f"{line} ({README_SECTION})"


def session_stamp(top: Node, creds: Credentials, cache: Cache) -> str:
    """What names the MFA session under `top`: its expiry, which a new session
    changes. Without a cached session (a code sent to AssumeRole itself, or no
    MFA at all), the exported credentials' own expiry stands in."""
    for node in walk(top):
        if isinstance(node, MfaSession):
            session = cache.load(node.cache_key)
            if session is not None and session.expiration is not None:
                return format_time(session.expiration)
    return format_time(creds.expiration) if creds.expiration else "no expiry"


def first_time(cache_dir: Path | None, profile: str, said: str) -> bool:
    """True unless `said` is what was last recorded for `profile`; records it.
    Without a cache of our own to keep the marker in (None), always True."""
    if cache_dir is None:
        return True
    marker = cache_dir / "notices" / profile.encode().hex()[:200]
    try:
        if marker.read_text(encoding="utf-8") == said:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    try:
        ensure_private_dir(marker.parent, root=cache_dir)
        write_atomic(marker, said.encode("utf-8"))
    except OSError:
        pass
    return True

"""What the cache says of a plan, without STS, a prompt or a write: each step's
cached credentials, and whether the next export will ask for an MFA code and
why. `list` and `explain` read it; the export itself (resolver.py) decides the
same question by the same rule when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from awsenv.aws.credentials import Credentials, format_time
from awsenv.core.plan import AssumeRole, BotocoreProfile, LongTermKeys, MfaSession, Node, walk
from awsenv.store.cache import Cache


@dataclass(frozen=True)
class NextCall:
    """The next export of a plan: the MFA device it will ask a code for (None:
    no prompt) and the reason, in a few words."""

    serial: str | None
    why: str


@dataclass(frozen=True)
class Survey:
    cache: Cache
    margin: timedelta
    now: datetime

    def entry(self, node: Node) -> Credentials | None:
        """The cached credentials of a step, valid or not (None: none cached)."""
        if isinstance(node, MfaSession | AssumeRole | BotocoreProfile):
            return self.cache.load(node.cache_key)
        return None

    def usable(self, node: Node) -> bool:
        """By the local clock and by STS's, as the export judges it (resolver._cached)."""
        if not isinstance(node, MfaSession | AssumeRole | BotocoreProfile):
            return False
        entry = self.cache.load(node.cache_key)
        skew = self.cache.skews.get(node.cache_key)
        return entry is not None and entry.valid_for(self.margin, self.now, skew)

    def hit(self, node: Node) -> bool:
        """Served from the cache: its entry is usable, and so is every session
        profile below it, which tools given AWS_PROFILE read (resolver._hit)."""
        below = [n for n in walk(node)[1:] if isinstance(n, MfaSession) and n.profile]
        return self.usable(node) and all(self.usable(n) for n in below)

    def state(self, node: Node) -> str:
        entry = self.entry(node)
        if entry is None or entry.expiration is None:
            return "none cached"
        if entry.expiration <= self.now:
            return f"expired at {format_time(entry.expiration)}"
        return f"valid until {format_time(entry.expiration)}"

    def next_call(self, node: Node) -> NextCall:
        if isinstance(node, LongTermKeys):
            return NextCall(None, "long-term keys need no code")
        if not isinstance(node, MfaSession | AssumeRole):
            return NextCall(None, "no MFA step that awsenv runs")
        if self.hit(node):
            entry = self.entry(node)
            until = format_time(entry.expiration) if entry and entry.expiration else "?"
            return NextCall(None, f"cached until {until}")
        serial = node.serial if isinstance(node, MfaSession) else node.mfa_serial
        if serial:
            margin = int(self.margin.total_seconds())
            state = self.state(node)
            if state.startswith("valid"):
                state += f", within the {margin} s refresh margin"
            return NextCall(serial, f"{_what(node)}: {state}")
        return self.next_call(node.source)


def _what(node: MfaSession | AssumeRole) -> str:
    if isinstance(node, AssumeRole):
        return f"role {node.profile.name} (MFA on AssumeRole)"
    name = node.profile.name if node.profile else node.source.profile.name
    return f"MFA session of {name}"

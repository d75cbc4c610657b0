"""The one rule for "is this step fresh?": whether a step is served from the
cache and until when, and if not, why (expired, within the margin, a source
below it that tools read from the files expired, another tool's temporary keys
expiring). The export and `process` (resolver.py), `list` (inventory.py),
`explain` (diagnosis.py) and the memo's renewal time (obtain.py) all ask here.

Time itself is judged by `Credentials.valid_for` and `Credentials.deadline`,
with the skew measured when the credentials were issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from awsenv.aws import login
from awsenv.aws.credentials import Credentials, format_time
from awsenv.core.plan import (
    CHAINED_ROLE_MAX,
    AssumeRole,
    BotocoreProfile,
    LongTermKeys,
    MfaSession,
    Node,
    SsoRole,
    StaticSession,
    keys_in_files,
    walk,
)
from awsenv.errors import ConfigError, UsageError
from awsenv.store.cache import Cache

# What the next export of a plan does, in four words.
SERVED = "served"  # from the cache or the files, with no STS call
RENEW = "renew"  # STS is asked, without an MFA code
CODE = "code"  # an MFA code is asked for
REFUSED = "refused"  # no call can serve it until someone else acts
LOGIN = "login"  # an IAM Identity Center login is needed (a browser, or `awsenv login`)


# botocore, the JS SDK and the Go SDK fetch credential_process credentials
# again on every read within 15 minutes of their expiry (botocore's advisory
# window): `awsenv process` renews from there, so an SDK gets new credentials
# once instead of running awsenv per request ...
SDK_WINDOW = timedelta(minutes=15)
# ... for a session longer than this; a shorter one keeps the refresh margin,
# or it would be renewed for half its life.
SDK_LONG_SESSION = timedelta(minutes=30)


@dataclass(frozen=True)
class Margins:
    """How long credentials must still last to be served. `refresh`
    (AWSENV_REFRESH_MARGIN) holds for every step; the step a call hands out
    (the top of its chain) may ask for more: the SDKs' window for `awsenv
    process` (`sdk`), and --min-valid."""

    refresh: timedelta
    sdk: bool = False
    min_valid: timedelta | None = None

    def top(self, lasts: timedelta | None) -> timedelta:
        """The margin of the step handed out, whose session lasts `lasts`
        (None: unknown, as for what botocore resolves)."""
        margin = self.refresh
        if self.sdk and lasts is not None and lasts > SDK_LONG_SESSION:
            margin = max(margin, SDK_WINDOW)
        if self.min_valid is not None:
            margin = max(margin, self.min_valid)
        return margin

    def check(self, top: Node) -> None:
        """Refuse, before any STS call, what no session of this chain can give:
        a --min-valid or a refresh margin at or above a session's length (it
        would be renewed on every call, and refused after each renewal)."""
        lasts = session_length(top)
        if self.min_valid is not None and lasts is not None and self.min_valid >= lasts:
            raise UsageError(
                f"--min-valid {_seconds(self.min_valid)} s: {_limit(top)}, "
                "so its credentials can never last that long"
            )
        for node in walk(top):
            lasts = session_length(node)
            if lasts is not None and self.refresh >= lasts:
                # exit 3, as when STS's answer was refused for it (before this check)
                raise ConfigError(
                    f"AWSENV_REFRESH_MARGIN {_seconds(self.refresh)} s: {_limit(node)}, "
                    "so its credentials would be renewed on every call; lower the margin"
                )


def session_length(node: Node) -> timedelta | None:
    """How long a new session of this step lasts, from the plan alone (None:
    no session awsenv asks for). A role over temporary credentials is capped at
    an hour by AWS, as the resolver caps the duration it asks for."""
    if isinstance(node, MfaSession):
        return timedelta(seconds=node.duration)
    if isinstance(node, AssumeRole):
        return timedelta(seconds=_role_seconds(node))
    return None


def _chained(node: AssumeRole) -> bool:
    """Assumed with temporary credentials: AWS caps the session at an hour."""
    return not isinstance(node.source, LongTermKeys)


def _role_seconds(node: AssumeRole) -> int:
    return min(node.duration, CHAINED_ROLE_MAX) if _chained(node) else node.duration


def _limit(node: Node) -> str:
    """The limit a step's session has, in the person's words."""
    if isinstance(node, AssumeRole):
        if _chained(node) and node.duration >= CHAINED_ROLE_MAX:  # asking for more would not help
            return (
                f"role {node.profile.name} lasts at most {CHAINED_ROLE_MAX} s "
                "(AWS caps a role assumed with temporary credentials at 1 hour)"
            )
        return f"role {node.profile.name} lasts {node.duration} s (duration_seconds or --duration)"
    if isinstance(node, MfaSession):
        return f"the {_what(node)} lasts {node.duration} s (duration_seconds or --duration)"
    return "its session"


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


@dataclass(frozen=True)
class NextCall:
    """The next export of a plan: what it does, the device a code is asked for,
    why (a few words), until when what is served stays right, and the export's
    one-line error when it is refused."""

    action: str
    why: str
    serial: str | None = None
    until: datetime | None = None
    refusal: str | None = None


Cached = MfaSession | AssumeRole | BotocoreProfile | SsoRole


class Freshness:
    """`entry(key)`: the credentials cached (or staged) for a step, valid or not;
    `skew(key)`: the local clock minus STS's when they were issued."""

    def __init__(
        self,
        margin: timedelta,
        now: Callable[[], datetime],
        entry: Callable[[str], Credentials | None],
        skew: Callable[[str], timedelta | None],
        top: Node | None = None,
        top_margin: timedelta | None = None,
    ) -> None:
        self.margin = margin
        self.now = now
        self._entry = entry
        self._skew = skew
        # The step a call hands out may have a margin of its own (Margins.top).
        self._top_key = top.cache_key if isinstance(top, Cached) else None
        self._top_margin = top_margin

    def margin_of(self, node: Node | None) -> timedelta:
        """The margin a step's credentials must outlive to be served."""
        if (
            self._top_margin is not None
            and isinstance(node, Cached)
            and node.cache_key == self._top_key
        ):
            return self._top_margin
        return self.margin

    def entry(self, node: Node) -> Credentials | None:
        """The cached credentials of a step, valid or not (None: none cached)."""
        return self._entry(node.cache_key) if isinstance(node, Cached) else None

    def usable(
        self, creds: Credentials, skew: timedelta | None = None, node: Node | None = None
    ) -> bool:
        return creds.valid_for(self.margin_of(node), self.now(), skew)

    def good(self, node: Node) -> Credentials | None:
        """The step's cached credentials when they outlive the margin, by the
        local clock and by STS's."""
        creds = self.entry(node)
        if creds is None or not isinstance(node, Cached):
            return None
        if not self.usable(creds, self._skew(node.cache_key), node):
            return None
        return creds

    def hit(self, node: Node) -> Credentials | None:
        """Served from the cache: its entry is good, and so is every source below
        it that tools given AWS_PROFILE read from the files."""
        if not isinstance(node, Cached) or self.expiring_source(node) is not None:
            return None
        return self.good(node)

    def file_source_expiry(self, node: Node) -> datetime | None:
        """When a source that tools read from the files stops working: another
        tool's temporary keys, or a session profile's section (an expired one
        counts as expiring now)."""
        if isinstance(node, StaticSession):
            return keys_in_files(node.profile).expiration
        if isinstance(node, MfaSession) and node.profile:
            session = self.good(node)
            return session.deadline(self._skew(node.cache_key)) if session else self.now()
        return None

    def expiring_source(self, node: Node) -> Node | None:
        """The first source below `node` that is gone or within the margin."""
        now = self.now()
        for below in walk(node)[1:]:
            expiry = self.file_source_expiry(below)
            if expiry is not None and expiry - self.margin <= now:
                return below
        return None

    def refusal(self, node: StaticSession) -> str | None:
        """The export's error for another tool's temporary keys that expire within
        the margin: awsenv cannot renew them."""
        creds = keys_in_files(node.profile)
        if creds.expiration is None or self.usable(creds):
            return None
        return (
            f"the temporary keys in [{node.profile.name}] expire at "
            f"{format_time(creds.expiration)}; refresh them with the tool that wrote them"
        )

    def valid_until(self, top: Node, creds: Credentials) -> datetime | None:
        """When the export of `top` stops being right, by the local clock: its
        own expiry, or that of a source that tools reading the files depend on;
        earlier where the local clock is behind STS's."""
        skew = self._skew(top.cache_key) if isinstance(top, Cached) else None
        expiries = [creds.deadline(skew), *(self.file_source_expiry(n) for n in walk(top)[1:])]
        known = [e for e in expiries if e is not None]
        return min(known) if known else None

    def state(self, node: Node) -> str:
        """A step's cache entry in a few words (explain's per-step line)."""
        entry = self.entry(node)
        if entry is None or entry.expiration is None:
            return "none cached"
        if entry.expiration <= self.now():
            return f"expired at {format_time(entry.expiration)}"
        return f"valid until {format_time(entry.expiration)}"

    def why_not_served(self, node: Node) -> str:
        """Why a cached step is renewed: its own entry, or a source below it."""
        below = self.expiring_source(node)
        if self.good(node) is not None and below is not None:
            if isinstance(below, StaticSession):
                return f"a source below it expires: {self.refusal(below) or below.profile.name}"
            return f"the session of [{_name(below)}] below it is {self.state(below)}"
        state = self.state(node)
        if state.startswith("valid"):
            state += f", within the {int(self.margin.total_seconds())} s refresh margin"
        return state

    def next_call(self, node: Node) -> NextCall:
        """What the next export of `node` does, walking the chain as the resolver will."""
        if isinstance(node, LongTermKeys):
            return NextCall(SERVED, "long-term keys need no code")
        if isinstance(node, StaticSession):
            refused = self.refusal(node)
            if refused is not None:
                return NextCall(REFUSED, refused, refusal=refused)
            return NextCall(SERVED, "no MFA step that awsenv runs")
        hit = self.hit(node)
        if hit is not None:
            until = self.valid_until(node, hit)
            return NextCall(
                SERVED, f"cached until {format_time(until) if until else '?'}", None, until
            )
        if isinstance(node, BotocoreProfile):
            return _botocore_next(node)
        if isinstance(node, SsoRole):
            return self._sso_next(node)
        below = self.next_call(node.source)
        if below.action in (REFUSED, CODE, LOGIN):
            return below
        serial = node.serial if isinstance(node, MfaSession) else node.mfa_serial
        why = f"{_what(node)}: {self.why_not_served(node)}"
        return NextCall(CODE, why, serial) if serial else NextCall(RENEW, f"renews {why}")

    def _sso_next(self, node: SsoRole) -> NextCall:
        from awsenv.core.sso_login import login_hint, token_state

        session = node.access.session
        state, expiry = token_state(session, self.now())
        role = f"role {node.access.role_name} of {node.access.account_id}"
        cached = self.why_not_served(node)
        if state == "valid":
            until = format_time(expiry) if expiry else "?"
            return NextCall(RENEW, f"renews {role} ({cached}) with the token valid until {until}")
        if state == "refreshable":
            return NextCall(RENEW, f"renews {role} ({cached}) after refreshing the token")
        gone = "no token" if expiry is None else f"the token expired at {format_time(expiry)}"
        return NextCall(
            LOGIN,
            f"logs in to {session.start_url} ({gone}; with no terminal or browser: "
            f"{login_hint(node.profile.name)})",
        )


def _botocore_next(node: BotocoreProfile) -> NextCall:
    session = node.profile.get("login_session")
    if session and login.expiry(session) is None:
        refused = login.sign_in_hint(node.profile.name)
        return NextCall(REFUSED, refused, refusal=refused)
    return NextCall(RENEW, "no MFA step that awsenv runs")


def for_cache(
    cache: Cache,
    margin: timedelta,
    now: Callable[[], datetime],
    top: Node | None = None,
    top_margin: timedelta | None = None,
) -> Freshness:
    """The rule over what is cached, for the reports (list, explain), or for
    one call's top step with a margin of its own."""
    return Freshness(margin, now, cache.load, cache.skews.get, top, top_margin)


def _name(node: Node) -> str:
    profile = getattr(node, "profile", None)
    return profile.name if profile is not None else "?"


def _what(node: MfaSession | AssumeRole) -> str:
    if isinstance(node, AssumeRole):
        if node.mfa_serial:
            return f"role {node.profile.name} (MFA on AssumeRole)"
        return f"role {node.profile.name}"
    name = node.profile.name if node.profile else node.source.profile.name
    return f"MFA session of {name}"

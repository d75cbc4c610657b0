"""Execute a plan: serve each step from the cache or from STS, and stage writes.

Nothing is written while STS calls are under way. Credentials-file sections and
cache entries are staged and committed only when the whole chain succeeded, so
a failure leaves every file as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from awsenv.aws import clock, sso
from awsenv.aws.credentials import Credentials, format_time
from awsenv.aws.sts import Issued, Sts, botocore_credentials
from awsenv.config.profiles import AwsFiles, Profile
from awsenv.config.section_editor import (
    check_replaceable,
)
from awsenv.core.freshness import Cached, Freshness
from awsenv.core.mfa_codes import CodeSource
from awsenv.core.mfa_process import MfaProcess
from awsenv.core.plan import (
    CHAINED_ROLE_MAX,
    AssumeRole,
    LongTermKeys,
    MfaSession,
    Node,
    SsoRole,
    StaticSession,
    keys_in_files,
    walk,
)
from awsenv.core.sso_login import Nobody, Person, SsoTokens
from awsenv.core.staging import Staged, Unknown
from awsenv.errors import AwsError, ConfigError, MfaCodeRejected, NoTerminalError
from awsenv.store import keyring_keys
from awsenv.store.cache import Cache
from awsenv.store.locks import Locks, check_file_lock
from awsenv.trace import debug

# STS's answers when a cached source is no longer accepted (clock skew, a
# session revoked): worth one fresh attempt.
_STALE_SOURCE = ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId")


@dataclass
class Resolver:
    files: AwsFiles
    cache: Cache
    codes: CodeSource
    sts: Sts
    margin: timedelta
    now: Callable[[], datetime]
    locks: Locks
    refresh: Node | None = None  # the one step --refresh forces
    # The step the call hands out, and the margin it must outlive when the
    # call asks for more than `margin` (freshness.Margins.top).
    top: Node | None = None
    top_margin: timedelta | None = None
    # --min-valid: new credentials that cannot last this long are refused.
    # (The SDKs' window is not a demand: a shorter session keeps the margin.)
    min_valid: timedelta | None = None
    on_secret: Callable[[str], None] = lambda _secret: None
    # Who an IAM Identity Center login would be shown to (Nobody: no login).
    person: Person = field(default_factory=Nobody)
    sts_calls: int = 0
    # When this run began, by the clock that stamps the cache's files.
    started: float = field(default_factory=time.time)
    warnings: list[str] = field(default_factory=list)
    skew_noticed: bool = False
    _forced: set[str] = field(default_factory=set)
    # What this run will write, once the whole chain succeeded.
    staged: Staged = field(default_factory=Staged)
    # Why a cached entry was renewed by STS's clock alone, for a failure to say.
    _clock_note: str | None = None

    def resolve(self, node: Node) -> Credentials:
        creds = self._resolve(node)
        for secret in creds.secrets:
            self.on_secret(secret)
        return creds

    def __post_init__(self) -> None:
        # The one rule (freshness.py), over what this run staged, then the cache.
        self.fresh = Freshness(
            self.margin, self.now, self._staged_or_cached, self._skew, self.top, self.top_margin
        )
        self.sso = SsoTokens(self.locks, self.person, self.now, self.on_secret)

    def valid_until(self, top: Node, creds: Credentials) -> datetime | None:
        return self.fresh.valid_until(top, creds)

    def _staged_or_cached(self, key: str) -> Credentials | None:
        return self.staged.cache_writes.get(key) or self.cache.load(key)

    def sync_sections(self, top: Node) -> None:
        """Keep session profiles' sections current even when a cached role above
        them meant their step was never visited."""
        for node in _named_sessions(top):
            if node.profile and node.profile.name not in self.staged.section_writes:
                cached = self._cached(node)
                if cached is not None:
                    self._keep_section_current(node.profile, cached)

    def commit(self) -> bytes | Unknown | None:
        """Write what was staged (staging.py); the credentials file's bytes as
        the commit left them, None for no file, or UNKNOWN."""
        committed = self.staged.commit(self.files, self.cache, self.locks)
        for warning in committed.warnings:
            self._warn_once(warning)
        return committed.credentials

    def _resolve(self, node: Node) -> Credentials:
        if isinstance(node, LongTermKeys):
            return long_term_keys(node)
        if isinstance(node, StaticSession):
            refused = self.fresh.refusal(node)
            if refused is not None:
                raise ConfigError(refused)
            return keys_in_files(node.profile)
        key = node.cache_key
        forced = node is self.refresh or key in self._forced
        if not forced and (hit := self._hit(node)) is not None:
            return hit
        # A refresh: one process at a time per source, held through the prompt
        # and the STS call until the commit. Whoever waited finds the holder's
        # result in the cache and reuses it: one code, one STS call.
        self.locks.hold(key, f"refreshing {_who(node)}")
        done = self._refreshed_meanwhile(node) if forced else self._hit(node)
        if done is not None:
            return done
        if isinstance(node, MfaSession) and node.profile:
            # Its section will be written: refuse a file awsenv must not (or
            # cannot) replace, or a lock it will not take, before a code is
            # asked for and spent.
            check_replaceable(self.files.credentials_path)
            check_file_lock(self.files.credentials_path)
        issued = self._fetch(node)
        creds = self._usable_here(node, issued)
        if creds.expiration is not None:
            self.staged.cache_writes[key] = creds
            self.staged.skews[key] = issued.skew(self.now())
        if isinstance(node, MfaSession) and node.profile:
            self.staged.section_writes[node.profile.name] = creds
        return creds

    def _refreshed_meanwhile(self, node: Cached) -> Credentials | None:
        """--refresh asks for credentials newer than the call: another awsenv's
        refresh stored since this run began is just that."""
        key = node.cache_key
        renewed = self.cache.load(key)
        stored = self.cache.stored_at(key)
        fresh = stored is not None and stored >= self.started
        if renewed is None or not fresh or not self._usable(renewed, self._skew(key), node):
            return None
        debug(f"another awsenv just refreshed {_label(node)}; reusing it")
        self.staged.from_cache.add(key)
        return renewed

    def _hit(self, node: Cached) -> Credentials | None:
        cached = self._cached(node)
        if cached is None or self.fresh.expiring_source(node) is not None:
            return None
        debug(f"cache hit: {_label(node)}")
        self.staged.from_cache.add(node.cache_key)
        return cached

    def _usable_here(self, node: Cached, issued: Issued) -> Credentials:
        """Fresh credentials, judged by the local clock (the one the shell hook and
        the SDKs use) before anything is exported or stored."""
        creds = issued.credentials
        now = self.now()
        sts_time = issued.server_time
        skew = issued.skew(now)
        if skew is not None and abs(skew) > clock.TOLERANCE and not self.skew_noticed:
            self.skew_noticed = True
            self.warnings.append(
                f"{clock.describe(skew)}; expiry times are judged by the local clock"
            )
        if creds.expiration is None or creds.valid_for(self.margin, now):
            self._check_lasts(node, creds, sts_time or now)
            return creds
        expiry = creds.expiration
        what = f"{_who(node)}: the credentials expire at {format_time(expiry)}"
        if sts_time is not None and expiry <= sts_time:
            raise AwsError(f"{what}, already past by STS's own clock; nothing was exported")
        margin = int(self.margin.total_seconds())
        if sts_time is not None and expiry - sts_time <= self.margin + clock.DATE_RESOLUTION:
            # Not the clock: STS gave no more time than the margin asks to keep.
            raise ConfigError(
                f"{what}, {int((expiry - sts_time).total_seconds())} s after STS issued them, "
                f"within AWSENV_REFRESH_MARGIN ({margin} s); lower it or ask for a longer duration"
            )
        state = "already past" if expiry <= now else f"within the {margin} s refresh margin"
        raise AwsError(
            f"{what}, {state} by the local clock: {clock.describe(skew)}; set the clock right",
            "Clock",
        )

    def _check_lasts(self, node: Cached, creds: Credentials, issued: datetime) -> None:
        """New credentials shorter than the call asks for (--min-valid, of a
        session whose length only STS or botocore knew): refused, not handed out."""
        wanted = self.min_valid
        if wanted is None or node is not self.top or creds.expiration is None:
            return
        lasts = creds.expiration - issued
        if lasts <= wanted:
            raise ConfigError(
                f"{_who(node)}: new credentials last {int(lasts.total_seconds())} s, "
                f"not the {int(wanted.total_seconds())} s --min-valid asks for"
            )

    def _usable(self, creds: Credentials, skew: timedelta | None, node: Node | None = None) -> bool:
        return self.fresh.usable(creds, skew, node)

    def _skew(self, key: str) -> timedelta | None:
        """The skew measured when the credentials for `key` were issued."""
        return self.staged.skews[key] if key in self.staged.skews else self.cache.skews.get(key)

    def _cached(self, node: Cached) -> Credentials | None:
        """The credentials cached for `node` that are still good, by the local
        clock and by STS's as measured when they were issued."""
        key = node.cache_key
        creds = self._staged_or_cached(key)
        if creds is None or not self._usable(creds, None, node):
            return None
        skew = self._skew(key)
        if not self._usable(creds, skew, node):
            self._renewing_by_sts_clock(node, creds, skew)
            return None
        return creds

    def _renewing_by_sts_clock(
        self,
        node: Cached,
        creds: Credentials,
        skew: timedelta | None,
    ) -> None:
        # Still good by the local clock, which would export them silently.
        expiry = format_time(creds.expiration) if creds.expiration else "?"
        note = (
            f"{_who(node)}: the cached credentials expire at {expiry}, within the "
            f"{int(self.margin.total_seconds())} s refresh margin by STS's clock "
            f"({clock.describe(skew)})"
        )
        if self._clock_note is None:  # one line says it, for the whole chain
            self._clock_note = note
            self.skew_noticed = True
            self.warnings.append(f"{note}; renewed")

    def _warn_once(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _keep_section_current(self, profile: Profile, creds: Credentials) -> None:
        # Tools such as pulumi read the section itself: if someone edited or
        # restored the file, put the current session back.
        if profile.credentials.get("aws_session_token") != creds.session_token:
            self.staged.section_writes[profile.name] = creds

    def _fetch(self, node: Cached) -> Issued:
        if isinstance(node, MfaSession):
            source = self.resolve(node.source)
            label = node.profile.name if node.profile else node.source.profile.name
            return self._with_code(
                node.serial,
                node.mfa_process,
                lambda code: self.sts.get_session_token(
                    source, node.serial, code, node.duration, label
                ),
            )
        if isinstance(node, AssumeRole):
            try:
                return self._assume(node)
            except AwsError as exc:
                stale = _cached_step(node.source)
                if exc.code not in _STALE_SOURCE or stale not in self.staged.from_cache:
                    raise
                debug(f"STS rejected the cached source of {node.role_arn} ({exc.code}); renewing")
                self._forced.add(stale)
                self.staged.from_cache.discard(stale)
                return self._assume(node)
        if isinstance(node, SsoRole):
            return self._sso_role(node)
        login = bool(node.profile.get("login_session"))
        return Issued(botocore_credentials(node.profile.name, login=login))

    def _sso_role(self, node: SsoRole) -> Issued:
        """GetRoleCredentials with the session's token; a token the portal turns
        down (revoked, signed out elsewhere) is renewed once."""
        access = node.access
        name = node.profile.name

        def call(token: str) -> Issued:
            self.sts_calls += 1
            return sso.role_credentials(
                access.session.region, token, access.account_id, access.role_name, name
            )

        token = self.sso.access_token(access.session, name)
        try:
            return call(token)
        except AwsError as exc:
            if exc.code != "Unauthorized":
                raise
        debug(f"IAM Identity Center turned down the token for {name}; renewing it")
        return call(self.sso.access_token(access.session, name, refused=token))

    def _assume(self, node: AssumeRole) -> Issued:
        source = self.resolve(node.source)
        duration = node.duration
        if source.session_token and duration > CHAINED_ROLE_MAX:
            self._warn_once(
                f"{node.profile.name}: role session capped at 1 hour (asked for {duration} s): "
                "AWS limits roles assumed with temporary credentials, such as an MFA "
                "session, to 3600 s"
            )
            duration = CHAINED_ROLE_MAX

        def call(code: str | None) -> Issued:
            return self.sts.assume_role(
                source,
                node.role_arn,
                node.session_name,
                duration,
                external_id=node.external_id,
                serial=node.mfa_serial,
                code=code,
            )

        if node.mfa_serial:
            if duration > CHAINED_ROLE_MAX and not source.session_token:
                self._warn_once(
                    f"{node.profile.name}: a {duration} s role session takes an MFA code of its "
                    "own (over the shared MFA session AWS allows 1 hour); it is cached for "
                    "its whole duration"
                )
            return self._with_code(node.mfa_serial, node.mfa_process, call)
        self.sts_calls += 1
        return call(None)

    def _with_code(
        self, serial: str, command: MfaProcess | None, call: Callable[[str], Issued]
    ) -> Issued:
        """One STS call with an MFA code. A code typed at the prompt that STS
        rejects is asked for once more: it may have rolled over as it was typed."""
        try:
            code = self.codes.code_for(serial, command)
        except NoTerminalError as exc:
            if self._clock_note is None:
                raise
            raise NoTerminalError(f"{exc}; {self._clock_note}") from None
        self.sts_calls += 1
        try:
            return call(code)
        except MfaCodeRejected:
            code_again = self.codes.again(serial)
            if code_again is None:
                raise
        debug(f"STS rejected the typed code for {serial}; retrying with a fresh one")
        self.sts_calls += 1
        return call(code_again)


def long_term_keys(node: LongTermKeys) -> Credentials:
    """The keys themselves: read from the keyring only here, when a step
    needs them signed with (a cached step never gets here)."""
    if node.keyring:
        return keyring_keys.load(node.keyring)
    return keys_in_files(node.profile)


def _named_sessions(node: Node) -> list[MfaSession]:
    return [n for n in walk(node) if isinstance(n, MfaSession) and n.profile]


def _cached_step(node: Node) -> str:
    return "" if isinstance(node, LongTermKeys | StaticSession) else node.cache_key


def _who(node: Cached) -> str:
    """What a refresh is of, in the user's words: the profile name where there is one."""
    if isinstance(node, MfaSession) and node.profile is None:
        return f"the MFA session of {node.source.profile.name}"
    return node.profile.name if node.profile else _label(node)


def _label(node: Node) -> str:
    if isinstance(node, MfaSession):
        return f"MFA session {node.serial}"
    if isinstance(node, AssumeRole):
        return f"role {node.role_arn}"
    return f"profile {node.profile.name}"

"""Turn a profile into a plan: the chain of credential steps that produces it.

The plan is pure data computed from the AWS files alone, so it is cheap, it
can be checked before any STS call (cycles, bad durations, sections awsenv
must not write) and it gives every step a cache key.
"""

from __future__ import annotations

import configparser
import getpass
import re
from dataclasses import dataclass, replace

from awsenv.aws.credentials import EARLIEST, LATEST, Credentials, parse_time
from awsenv.config.profiles import BOTOCORE_RESOLVED, AwsFiles, Kind, Profile
from awsenv.config.sso import SsoAccess, sso_access
from awsenv.core.mfa_process import MfaProcess
from awsenv.errors import ConfigError, UsageError

SESSION_DEFAULT = 8 * 3600
SESSION_RANGE = (900, 129600)
ROLE_DEFAULT = 3600
ROLE_RANGE = (900, 43200)
# AWS caps a role session at one hour when the caller's credentials are
# temporary ("role chaining"), and an MFA session counts as temporary.
CHAINED_ROLE_MAX = 3600


@dataclass(frozen=True)
class LongTermKeys:
    """An IAM user's keys: in the files, or in the OS keyring (`keyring` set:
    the name they are held under, by `awsenv keys add`)."""

    profile: Profile

    @property
    def keyring(self) -> str | None:
        return self.profile.keyring_name

    @property
    def access_key_id(self) -> str:
        return self.profile.get("aws_access_key_id") or ""

    @property
    def identity(self) -> str:
        """What cache keys name these keys by. Keys in the keyring are named by
        their entry, so that a step over them is served from the cache without
        opening the keyring (it may be locked; it costs a D-Bus round trip)."""
        return f"keyring:{self.keyring}" if self.keyring else self.access_key_id


@dataclass(frozen=True)
class StaticSession:
    """Temporary keys found in the files, exported as they are."""

    profile: Profile


@dataclass(frozen=True)
class MfaSession:
    """GetSessionToken over long-term keys. `profile` is set for a session profile,
    whose section in the credentials file awsenv keeps up to date."""

    source: LongTermKeys
    serial: str
    duration: int
    profile: Profile | None = None
    mfa_process: MfaProcess | None = None

    @property
    def cache_key(self) -> str:
        # Two roles over the same keys and device share one session, and so one
        # code, when they ask for the same duration; `--duration 900` on a
        # session cached for 8 hours gets a new session, not the old one.
        return f"mfa-session|{self.source.identity}|{self.serial}|{self.duration}"


@dataclass(frozen=True)
class AssumeRole:
    profile: Profile
    source: Node
    role_arn: str
    session_name: str
    duration: int
    external_id: str | None = None
    # Set only when the code must go to AssumeRole itself (no long-term root to
    # put an MFA session on).
    mfa_serial: str | None = None
    mfa_process: MfaProcess | None = None

    @property
    def cache_key(self) -> str:
        # The duration asked for is part of it: `--duration` on a role cached
        # with a shorter session gets a new session, not the old one.
        return "|".join(
            (
                "role",
                self.role_arn,
                self.external_id or "",
                self.session_name,
                self.mfa_serial or "",
                str(self.duration),
                _identity(self.source),
            )
        )


@dataclass(frozen=True)
class BotocoreProfile:
    """SSO, credential_process and the rest: botocore resolves them."""

    profile: Profile

    @property
    def cache_key(self) -> str:
        settings = sorted({**self.profile.config, **self.profile.credentials}.items())
        return f"botocore|{self.profile.name}|{settings}"


@dataclass(frozen=True)
class SsoRole:
    """An IAM Identity Center profile: GetRoleCredentials with the session's token."""

    profile: Profile
    access: SsoAccess

    @property
    def cache_key(self) -> str:
        # The role of one account through one portal: profiles that name the
        # same share it.
        session = self.access.session
        return f"sso|{session.start_url}|{self.access.account_id}|{self.access.role_name}"


Node = LongTermKeys | StaticSession | MfaSession | AssumeRole | BotocoreProfile | SsoRole


def _identity(node: Node) -> str:
    if isinstance(node, LongTermKeys):
        return f"keys|{node.identity}"
    if isinstance(node, StaticSession):
        return f"static|{node.profile.name}|{node.profile.get('aws_access_key_id')}"
    return node.cache_key


@dataclass(frozen=True)
class Plan:
    name: str
    top: Node
    region: str | None
    # Every profile whose sections were read to build it: the chain's.
    profiles: tuple[str, ...] = ()
    # The duration asked for on the command line (--duration), if any.
    asked_duration: int | None = None


def walk(node: Node) -> list[Node]:
    """The chain from `node` down to its root."""
    chain: list[Node] = [node]
    while True:
        current = chain[-1]
        if isinstance(current, AssumeRole | MfaSession):
            chain.append(current.source)
        else:
            return chain


def build_plan(files: AwsFiles, name: str, duration: int | None = None) -> Plan:
    from awsenv.core import recursion

    builder = _Builder(files)
    top = builder.node(name, duration, seen=())
    recursion.check_files(builder.visited)
    region = next(
        (r for p in builder.visited if (r := p.get("region"))),
        None,
    )
    if duration is not None and not isinstance(top, MfaSession | AssumeRole):
        raise UsageError(
            f"--duration applies to roles and MFA sessions; {name!r} is not one "
            f"({files.profile(name).kind.value})"
        )
    return Plan(name, top, region, tuple(p.name for p in builder.visited), duration)


class _Builder:
    def __init__(self, files: AwsFiles) -> None:
        self.files = files
        self.visited: list[Profile] = []

    def node(self, name: str, duration: int | None, seen: tuple[str, ...]) -> Node:
        if name in seen:
            cycle = " -> ".join((*seen, name))
            raise ConfigError(f"source_profile cycle: {cycle}")
        profile = self.files.profile(name)
        self.visited.append(profile)
        _refuse_environment_source(profile)
        kind = profile.kind
        seen = (*seen, name)
        if kind is Kind.ROLE:
            return self._role(profile, duration, seen)
        if kind is Kind.MFA_SESSION:
            return self._session_profile(profile, duration, seen)
        if kind is Kind.LONG_TERM or kind is Kind.KEYRING:
            keys = LongTermKeys(profile)
            serial = profile.get("mfa_serial")
            if serial and len(seen) == 1:
                # Asked for directly: export an MFA session for these keys; the
                # keys themselves stay untouched.
                return MfaSession(
                    keys, serial, _session_duration(profile, duration), None, _code_command(profile)
                )
            return keys
        if kind is Kind.TEMPORARY_KEYS:
            return StaticSession(profile)
        if kind is Kind.SSO:
            return SsoRole(profile, sso_access(self.files, profile))
        return BotocoreProfile(profile)

    def _session_profile(
        self, profile: Profile, duration: int | None, seen: tuple[str, ...]
    ) -> Node:
        if profile.name == configparser.DEFAULTSECT:
            # configparser, and so botocore, reads a [DEFAULT] section of the
            # credentials file as defaults for every profile in it.
            raise ConfigError(
                f"an MFA session profile cannot be named {profile.name!r}: its section in "
                "the credentials file would apply to every profile; rename it"
            )
        source_name = profile.session_source or ""
        source = self._source(profile, source_name, seen)
        if not isinstance(source, LongTermKeys):
            raise ConfigError(
                f"MFA session profile {profile.name!r} needs long-term keys as its "
                f"source_profile, but {source_name!r} is not a long-term key profile"
            )
        serial = profile.get("mfa_serial") or ""
        other = [key for key in BOTOCORE_RESOLVED if profile.get(key)]
        if other:
            raise ConfigError(
                f"profile {profile.name!r} mixes an MFA session with {other[0]}; awsenv "
                "will not write a section that botocore resolves another way"
            )
        if profile.has_long_term_keys_in_credentials_file:
            raise ConfigError(
                f"[{profile.name}] in the credentials file holds long-term keys; awsenv "
                "will not overwrite them with a session"
            )
        return MfaSession(
            source, serial, _session_duration(profile, duration), profile, _code_command(profile)
        )

    def _source(self, profile: Profile, source_name: str, seen: tuple[str, ...]) -> Node:
        defined = source_name in self.files.config or source_name in self.files.credentials
        if not defined and source_name not in seen:
            raise ConfigError(
                f"profile {profile.name!r} has source_profile {source_name!r}, which is not defined"
            )
        return self.node(source_name, None, seen)

    def _role(self, profile: Profile, duration: int | None, seen: tuple[str, ...]) -> Node:
        source_name = profile.get("source_profile") or ""
        source: Node
        if source_name == profile.name and profile.get("aws_access_key_id"):
            # botocore's one allowed self-reference: the role's own keys are the source.
            source = LongTermKeys(profile)
        else:
            source = self._source(profile, source_name, seen)
        serial = profile.get("mfa_serial")
        direct_serial = None
        codes = _code_command(profile)
        chain = walk(source)
        # The 1-hour limit for chained roles is applied when the role is assumed,
        # where it is known whether the source credentials are temporary.
        requested = _role_duration(profile, duration)
        # A chain that already holds an MFA session is MFA-authenticated.
        if serial and not any(isinstance(n, MfaSession) for n in chain):
            root = chain[-1]
            if isinstance(source, LongTermKeys) and requested > CHAINED_ROLE_MAX:
                # Over an MFA session the role would get 1 hour at most: the code
                # goes to AssumeRole itself, signed with the long-term keys, as
                # botocore does. A code for this role alone.
                direct_serial = serial
            elif isinstance(root, LongTermKeys):
                session = MfaSession(root, serial, SESSION_DEFAULT, None, codes)
                source = _put_session_on_root(source, session)
            else:
                direct_serial = serial
        return AssumeRole(
            profile=profile,
            source=source,
            role_arn=profile.get("role_arn") or "",
            session_name=profile.get("role_session_name") or default_session_name(),
            duration=requested,
            external_id=profile.get("external_id"),
            mfa_serial=direct_serial,
            mfa_process=codes if direct_serial else None,
        )


def _refuse_environment_source(profile: Profile) -> None:
    """`credential_source = Environment`: the keys would be whatever this shell
    holds, which after an export is awsenv's own output."""
    if (profile.get("credential_source") or "").lower() == "environment":
        raise ConfigError(
            f"profile {profile.name!r} has credential_source = Environment: awsenv never uses "
            "keys from its own environment (they may be an earlier export); put the keys in "
            "a profile (awsenv keys add NAME keeps them in the OS keyring) and use "
            "source_profile = NAME instead"
        )


def _code_command(profile: Profile) -> MfaProcess | None:
    command = profile.get("mfa_process")
    return MfaProcess(profile.name, command) if command else None


def _put_session_on_root(node: Node, session: MfaSession) -> Node:
    if isinstance(node, LongTermKeys):
        return session
    if isinstance(node, AssumeRole):
        return replace(node, source=_put_session_on_root(node.source, session))
    return node


def _int_setting(profile: Profile, value: int | None) -> int | None:
    if value is not None:
        return value
    raw = profile.get("duration_seconds")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"profile {profile.name!r}: duration_seconds must be a whole number of seconds"
        ) from None


def _checked(profile: Profile, seconds: int, bounds: tuple[int, int], what: str) -> int:
    low, high = bounds
    if not low <= seconds <= high:
        raise UsageError(
            f"{profile.name}: {what} duration must be {low} to {high} seconds, not {seconds}"
        )
    return seconds


def _session_duration(profile: Profile, duration: int | None) -> int:
    seconds = _int_setting(profile, duration)
    seconds = SESSION_DEFAULT if seconds is None else seconds
    return _checked(profile, seconds, SESSION_RANGE, "MFA session")


def _role_duration(profile: Profile, duration: int | None) -> int:
    seconds = _int_setting(profile, duration)
    seconds = ROLE_DEFAULT if seconds is None else seconds
    return _checked(profile, seconds, ROLE_RANGE, "role session")


def default_session_name() -> str:
    # Shows up in CloudTrail; RoleSessionName allows [\w+=,.@-], 2 to 64 characters.
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "user"
    return ("awsenv-" + re.sub(r"[^\w+=,.@-]", "-", user, flags=re.ASCII))[:64]


def keys_in_files(profile: Profile) -> Credentials:
    """The keys a profile holds in the files, with their expiration if any."""
    expiry = profile.get("expiration") or profile.get("aws_expiration")
    try:
        expiration = parse_time(expiry) if expiry else None
    except ValueError:
        # Never read as "no expiry": that would export dead keys as if eternal.
        # The value is not echoed: a misplaced paste could be a secret.
        raise ConfigError(
            f"[{profile.name}]: its expiration is not an ISO 8601 time between "
            f"{EARLIEST.year} and {LATEST.year}"
        ) from None
    return Credentials(
        access_key_id=profile.get("aws_access_key_id") or "",
        secret_access_key=profile.get("aws_secret_access_key") or "",
        session_token=profile.get("aws_session_token"),
        expiration=expiration,
    )

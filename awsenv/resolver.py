"""Execute a plan: serve each step from the cache or from STS, and stage writes.

Nothing is written while STS calls are under way. Cache entries and the
credentials-file sections are staged and committed only when the whole chain
succeeded, so a failure leaves every file as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from awsenv.cache import Cache
from awsenv.credentials import Credentials, format_time, parse_time
from awsenv.credfile import session_section, write_section
from awsenv.errors import ConfigError
from awsenv.mfa import CodeSource
from awsenv.plan import (
    AssumeRole,
    BotocoreProfile,
    LongTermKeys,
    MfaSession,
    Node,
    StaticSession,
)
from awsenv.profiles import AwsFiles, Profile
from awsenv.sts import Sts
from awsenv.trace import debug


@dataclass
class Resolver:
    files: AwsFiles
    cache: Cache
    codes: CodeSource
    sts: Sts
    margin: timedelta
    now: Callable[[], datetime]
    refresh: Node | None = None  # the one step --refresh forces
    sts_calls: int = 0
    _cache_writes: dict[str, Credentials] = field(default_factory=dict)
    _section_writes: dict[str, Credentials] = field(default_factory=dict)
    on_secret: Callable[[str], None] = lambda _secret: None

    def resolve(self, node: Node) -> Credentials:
        creds = self._resolve(node)
        for secret in creds.secrets:
            self.on_secret(secret)
        return creds

    def sync_sections(self, sessions: tuple[MfaSession, ...]) -> None:
        """Keep session profiles' sections current even when a cached role above
        them meant their step was never visited."""
        for node in sessions:
            if node.profile and node.profile.name not in self._section_writes:
                cached = self._cached(node.cache_key)
                if cached is not None:
                    self._keep_section_current(node.profile, cached)

    def commit(self) -> None:
        """Write everything staged: the cache first, then the credentials file."""
        for key, creds in self._cache_writes.items():
            self.cache.store(key, creds)
        for section, creds in self._section_writes.items():
            write_section(self.files.credentials_path, section, session_section(creds))

    def _resolve(self, node: Node) -> Credentials:
        if isinstance(node, LongTermKeys):
            return _keys_of(node.profile)
        if isinstance(node, StaticSession):
            creds = _keys_of(node.profile)
            if creds.expiration and not creds.valid_for(self.margin, self.now()):
                raise ConfigError(
                    f"the temporary keys in [{node.profile.name}] expire at "
                    f"{format_time(creds.expiration)}; refresh them with the tool that wrote them"
                )
            return creds
        key = node.cache_key
        if node is not self.refresh:
            cached = self._cached(key)
            if cached is not None:
                debug(f"cache hit: {_label(node)}")
                if isinstance(node, MfaSession) and node.profile:
                    self._keep_section_current(node.profile, cached)
                return cached
        creds = self._fetch(node)
        if creds.expiration is not None:
            self._cache_writes[key] = creds
        if isinstance(node, MfaSession) and node.profile:
            self._section_writes[node.profile.name] = creds
        return creds

    def _cached(self, key: str) -> Credentials | None:
        creds = self._cache_writes.get(key) or self.cache.load(key)
        if creds is None or not creds.valid_for(self.margin, self.now()):
            return None
        return creds

    def _keep_section_current(self, profile: Profile, creds: Credentials) -> None:
        # Tools such as pulumi read the section itself: if someone edited or
        # restored the file, put the current session back.
        if profile.credentials.get("aws_session_token") != creds.session_token:
            self._section_writes[profile.name] = creds

    def _fetch(self, node: MfaSession | AssumeRole | BotocoreProfile) -> Credentials:
        if isinstance(node, MfaSession):
            source = self.resolve(node.source)
            code = self.codes.code_for(node.serial)
            self.sts_calls += 1
            label = node.profile.name if node.profile else node.source.profile.name
            return self.sts.get_session_token(source, node.serial, code, node.duration, label)
        if isinstance(node, AssumeRole):
            source = self.resolve(node.source)
            role_code = self.codes.code_for(node.mfa_serial) if node.mfa_serial else None
            self.sts_calls += 1
            return self.sts.assume_role(
                source,
                node.role_arn,
                node.session_name,
                node.duration,
                external_id=node.external_id,
                serial=node.mfa_serial,
                code=role_code,
            )
        return _botocore_credentials(node.profile)


def _label(node: Node) -> str:
    if isinstance(node, MfaSession):
        return f"MFA session {node.serial}"
    if isinstance(node, AssumeRole):
        return f"role {node.role_arn}"
    return f"profile {node.profile.name}"


def _keys_of(profile: Profile) -> Credentials:
    expiry = profile.get("expiration") or profile.get("aws_expiration")
    try:
        expiration = parse_time(expiry) if expiry else None
    except ValueError:
        expiration = None
    return Credentials(
        access_key_id=profile.get("aws_access_key_id") or "",
        secret_access_key=profile.get("aws_secret_access_key") or "",
        session_token=profile.get("aws_session_token"),
        expiration=expiration,
    )


def _botocore_credentials(profile: Profile) -> Credentials:
    import botocore.exceptions
    import botocore.session

    try:
        # An explicit profile leaves botocore's environment provider out, so keys
        # exported earlier in this shell are never mistaken for the profile's.
        resolved = botocore.session.Session(profile=profile.name).get_credentials()
        if resolved is None:
            raise ConfigError(f"botocore found no credentials for profile {profile.name!r}")
        frozen = resolved.get_frozen_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise ConfigError(f"profile {profile.name!r}: {type(exc).__name__}: {exc}") from None
    expiry = getattr(resolved, "_expiry_time", None)
    return Credentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
        expiration=expiry if isinstance(expiry, datetime) else None,
    )

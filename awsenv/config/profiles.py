"""The AWS CLI's profile model, read from the config and credentials files.

`[profile NAME]` (or `[default]`) in the config file and `[NAME]` in the
credentials file describe one profile; for the same key the credentials file
wins, as in botocore.
"""

from __future__ import annotations

import configparser
import enum
import io
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from awsenv.errors import ConfigError, UnknownProfile
from awsenv.sections import DEFAULTS_SENTINEL, config_profile_name

# Settings that make botocore resolve a profile itself (SSO, an `aws login`
# session, a helper program).
BOTOCORE_RESOLVED = ("sso_start_url", "sso_session", "login_session", "credential_process")

# What `awsenv keys add` puts in a profile's credential_process: the words
# after awsenv's own name that read its keys from the OS keyring.
KEYS_PROCESS = ("keys", "process")

# Where an MFA session profile names the long-term keys it is made from. The
# key is awsenv's own, which every SDK ignores: the Go SDK (terraform, pulumi)
# refuses `source_profile` without `role_arn`, so the earlier form
# (`source_profile` + `mfa_serial` in the config file) is read, never written.
SESSION_SOURCE = "awsenv_source_profile"
LEGACY_SESSION_SOURCE = "source_profile"


class Kind(enum.Enum):
    LONG_TERM = "long-term keys"
    KEYRING = "long-term keys in the OS keyring"  # credential_process = awsenv keys process
    TEMPORARY_KEYS = "temporary keys"  # a session token written by hand or another tool
    MFA_SESSION = "MFA session profile"
    ROLE = "role"
    SSO = "IAM Identity Center (SSO)"  # sso_session, or the legacy sso_start_url form
    OTHER = "botocore-resolved"  # SSO, credential_process, credential_source, web identity


@dataclass(frozen=True)
class Profile:
    name: str
    config: Mapping[str, str]
    credentials: Mapping[str, str]
    # The credentials file as the person would name it, when it does not
    # exist: a profile without credentials then lacks that file, not a line.
    absent_credentials: str | None = None

    def get(self, key: str) -> str | None:
        value = self.credentials.get(key, self.config.get(key))
        return value.strip() if value and value.strip() else None

    @property
    def kind(self) -> Kind:
        if self.get("role_arn"):
            if self.get("source_profile") and not self.get("credential_source"):
                return Kind.ROLE
            return Kind.OTHER
        if self.session_source is not None:
            return Kind.MFA_SESSION
        # botocore's chain asks SSO before credential_process.
        if self.get("sso_session") or self.get("sso_start_url"):
            return Kind.SSO
        # Keys in a file come first, as in botocore's chain (shared credentials
        # before credential_process): only a move cut short leaves both.
        if self.keyring_name is not None and not self.has_keys and not self.get("sso_session"):
            return Kind.KEYRING
        if any(self.get(key) for key in BOTOCORE_RESOLVED):
            return Kind.OTHER
        if self.get("web_identity_token_file"):
            return Kind.OTHER
        if self.has_keys:
            return Kind.TEMPORARY_KEYS if self.get("aws_session_token") else Kind.LONG_TERM
        if self.absent_credentials is not None:
            raise ConfigError(
                f"profile {self.name!r} has no credentials: {self.absent_credentials} "
                "does not exist (its keys would be there; awsenv setup writes it)"
            )
        raise ConfigError(
            f"profile {self.name!r} has no credentials: it needs keys, role_arn + "
            f"source_profile, {SESSION_SOURCE} + mfa_serial, SSO or credential_process"
        )

    @property
    def has_keys(self) -> bool:
        """An access key and its secret, from either file."""
        return bool(self.get("aws_access_key_id") and self.get("aws_secret_access_key"))

    @property
    def keyring_name(self) -> str | None:
        """The name the OS keyring holds this profile's keys under, when its
        credential_process is `awsenv keys process NAME` (as `awsenv keys add`
        writes it); None otherwise."""
        words = awsenv_words(self.get("credential_process") or "")
        if words is None or len(words) != 3 or tuple(words[:2]) != KEYS_PROCESS:
            return None
        return words[2]

    @property
    def session_source(self) -> str | None:
        """The long-term key profile of an MFA session profile (None: not one).
        Its own key in either file, with `mfa_serial`; or the earlier form, both
        in the config file and no `role_arn`, which the Go SDK refuses."""
        if self.get("role_arn"):
            return None
        if self.get(SESSION_SOURCE) and self.get("mfa_serial"):
            return self.get(SESSION_SOURCE)
        legacy = self.config.get(LEGACY_SESSION_SOURCE, "").strip()
        if legacy and self.config.get("mfa_serial", "").strip():
            return legacy
        return None

    @property
    def has_long_term_keys_in_credentials_file(self) -> bool:
        return bool(
            self.credentials.get("aws_access_key_id")
            and not self.credentials.get("aws_session_token")
        )


@dataclass(frozen=True)
class AwsFiles:
    config_path: Path
    credentials_path: Path
    config: Mapping[str, Mapping[str, str]]
    credentials: Mapping[str, Mapping[str, str]]
    # The files that do not exist, as the person would name them: said when a
    # profile is not found, since that is the usual reason.
    missing: tuple[str, ...] = ()
    # The bytes each file held when it was read (None: absent), so that what
    # is built from them can later be checked against the files as they are.
    config_bytes: bytes | None = field(default=None, repr=False)
    credentials_bytes: bytes | None = field(default=None, repr=False)  # secrets
    # `[sso-session NAME]` sections of the config file, by NAME.
    sso_sessions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        config_path: Path,
        credentials_path: Path,
        *,
        config_var: str | None = None,
        credentials_var: str | None = None,
    ) -> AwsFiles:
        """`config_var`/`credentials_var` name the environment variable that chose
        each path, if one did, so that errors can say where a path came from."""
        config_shown = _shown(config_path, config_var)
        config_bytes = _read_bytes(config_path, config_shown)
        config: dict[str, dict[str, str]] = {}
        sso_sessions: dict[str, dict[str, str]] = {}
        for section, values in _read_ini(config_path, config_bytes, config_shown).items():
            name = config_profile_name(section)
            if name is not None:
                config[name] = values  # a later section of the same name wins, whole
            elif (session := sso_session_name(section)) is not None:
                sso_sessions[session] = values
        # Credentials-file sections are profile names as they stand, in botocore too.
        credentials_shown = _shown(credentials_path, credentials_var)
        credentials_bytes = _read_bytes(credentials_path, credentials_shown)
        credentials = _read_ini(credentials_path, credentials_bytes, credentials_shown)
        missing = tuple(
            shown
            for shown, raw in ((config_shown, config_bytes), (credentials_shown, credentials_bytes))
            if raw is None
        )
        return cls(
            config_path,
            credentials_path,
            config,
            credentials,
            missing,
            config_bytes,
            credentials_bytes,
            sso_sessions,
        )

    @property
    def names(self) -> list[str]:
        return sorted(set(self.config) | set(self.credentials))

    def profile(self, name: str) -> Profile:
        if name not in self.config and name not in self.credentials:
            raise UnknownProfile(self._unknown(name), name)
        path = str(self.credentials_path)
        absent = (s for s in self.missing if s == path or s.startswith(f"{path} (from "))
        return Profile(
            name, self.config.get(name, {}), self.credentials.get(name, {}), next(absent, None)
        )

    def _unknown(self, name: str) -> str:
        """The line for a name in neither file: the closest known one, the
        others, and the files that do not exist (the usual reason)."""
        import difflib  # only on this error

        close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        known = ", ".join(self.names) or "none"
        absent = "".join(f"; {shown} does not exist" for shown in self.missing)
        if not self.names:
            absent += "; run awsenv setup to write them"
        return f"unknown profile {name!r}{hint}; known profiles: {known}{absent}"


def sso_session_name(section: str) -> str | None:
    """The name of an `[sso-session NAME]` section, split as botocore splits
    it (configloader.build_profile_map: shlex, exactly two parts), else None."""
    if not section.startswith("sso-session"):
        return None
    import shlex

    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 and parts[0] == "sso-session" else None


def awsenv_words(command: str) -> list[str] | None:
    """awsenv's own words in a credential_process `command`, if it runs awsenv
    (`awsenv`, `awsenv.exe`, by any path, or `python -m awsenv`), split as
    botocore splits it."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if words[:1] and PurePath(words[0]).name.lower() in ("awsenv", "awsenv.exe"):
        return words[1:]
    if len(words) > 2 and words[1:3] == ["-m", "awsenv"]:
        return words[3:]
    return None


def _shown(path: Path, chosen_by: str | None) -> str:
    return f"{path} (from {chosen_by})" if chosen_by else str(path)


def _read_bytes(path: Path, shown: str) -> bytes | None:
    """One AWS file's bytes, or None when there is none. Everything else that
    keeps botocore from reading it is a one-line error naming the file (and the
    variable that chose it)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            raise ConfigError(
                f"{shown} is a symlink to {path.readlink()}, which does not exist"
            ) from None
        return None
    except IsADirectoryError:
        raise ConfigError(f"cannot read {shown}: it is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {shown}: {exc.strerror}") from None


def _read_ini(path: Path, raw: bytes | None, shown: str) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ConfigError(
            f"cannot parse {shown}: it starts with a UTF-8 byte-order mark, which botocore "
            "cannot read either; save it as UTF-8 without BOM"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"cannot parse {shown}: it is not UTF-8 text") from None
    return parse_ini(text, shown)


def parse_ini(text: str, shown: str | Path) -> dict[str, dict[str, str]]:
    """configparser's reading of `text`, the contents of the file `shown`, as
    botocore reads it: universal newlines, and no section is special."""
    parser = configparser.RawConfigParser(strict=False, default_section=DEFAULTS_SENTINEL)
    try:
        # Universal newlines, as reading the file in text mode would give.
        parser.read_file(io.StringIO(text, newline=None), source=str(shown))
    except configparser.Error as exc:
        # configparser quotes the offending line, which may hold a secret: give
        # the line number only.
        raise ConfigError(f"cannot parse {shown}: {_where(exc)}") from None
    return {s: dict(parser.items(s)) for s in parser.sections()}


def _where(exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [section]"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lines = ", ".join(str(lineno) for lineno, _ in exc.errors)
        return f"line {lines} is not `key = value` or a [section]"
    return type(exc).__name__

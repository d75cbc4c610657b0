"""The AWS CLI's profile model, read from the config and credentials files.

`[profile NAME]` (or `[default]`) in the config file and `[NAME]` in the
credentials file describe one profile; for the same key the credentials file
wins, as in botocore.
"""

from __future__ import annotations

import configparser
import enum
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from awsenv.errors import ConfigError

# Settings that make botocore resolve a profile itself (SSO, a helper program).
BOTOCORE_RESOLVED = ("sso_start_url", "sso_session", "credential_process")


class Kind(enum.Enum):
    LONG_TERM = "long-term keys"
    TEMPORARY_KEYS = "temporary keys"  # a session token written by hand or another tool
    MFA_SESSION = "MFA session profile"
    ROLE = "role"
    OTHER = "botocore-resolved"  # SSO, credential_process, credential_source, web identity


@dataclass(frozen=True)
class Profile:
    name: str
    config: Mapping[str, str]
    credentials: Mapping[str, str]

    def get(self, key: str) -> str | None:
        value = self.credentials.get(key, self.config.get(key))
        return value.strip() if value and value.strip() else None

    @property
    def kind(self) -> Kind:
        if self.get("role_arn"):
            if self.get("source_profile") and not self.get("credential_source"):
                return Kind.ROLE
            return Kind.OTHER
        if self.config.get("source_profile") and self.config.get("mfa_serial"):
            return Kind.MFA_SESSION
        if any(self.get(key) for key in BOTOCORE_RESOLVED):
            return Kind.OTHER
        if self.get("web_identity_token_file"):
            return Kind.OTHER
        if self.get("aws_access_key_id") and self.get("aws_secret_access_key"):
            return Kind.TEMPORARY_KEYS if self.get("aws_session_token") else Kind.LONG_TERM
        raise ConfigError(
            f"profile {self.name!r} has no credentials: it needs keys, role_arn + "
            "source_profile, source_profile + mfa_serial, SSO or credential_process"
        )

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
    # The bytes each file held when it was read (None: absent), so that what
    # is built from them can later be checked against the files as they are.
    config_bytes: bytes | None = field(default=None, repr=False)
    credentials_bytes: bytes | None = field(default=None, repr=False)  # secrets

    @classmethod
    def load(cls, config_path: Path, credentials_path: Path) -> AwsFiles:
        config_bytes = _read_bytes(config_path)
        config: dict[str, dict[str, str]] = {}
        for section, values in _read_ini(config_path, config_bytes).items():
            if section == "default":
                config.setdefault("default", {}).update(values)
            elif section.startswith("profile "):
                config[section[len("profile ") :].strip()] = values
            # Anything else (sso-session, services, a bare [name]) is not a profile
            # to botocore either.
        credentials_bytes = _read_bytes(credentials_path)
        credentials = _read_ini(credentials_path, credentials_bytes)
        return cls(
            config_path, credentials_path, config, credentials, config_bytes, credentials_bytes
        )

    @property
    def names(self) -> list[str]:
        return sorted(set(self.config) | set(self.credentials))

    def profile(self, name: str) -> Profile:
        if name not in self.config and name not in self.credentials:
            known = ", ".join(self.names) or "none"
            raise ConfigError(f"unknown profile {name!r}; known profiles: {known}")
        return Profile(name, self.config.get(name, {}), self.credentials.get(name, {}))


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _read_ini(path: Path, raw: bytes | None) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    parser = configparser.RawConfigParser(strict=False, default_section="\0none")
    try:
        # Universal newlines, as reading the file in text mode would give.
        parser.read_file(io.StringIO(raw.decode("utf-8"), newline=None), str(path))
    except configparser.Error as exc:
        # configparser quotes the offending line, which may hold a secret: give
        # the line number only.
        raise ConfigError(f"cannot parse {path}: {_where(exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot parse {path}: it is not UTF-8 text") from None
    return {s: dict(parser.items(s)) for s in parser.sections()}


def _where(exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [section]"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lines = ", ".join(str(lineno) for lineno, _ in exc.errors)
        return f"line {lines} is not `key = value` or a [section]"
    return type(exc).__name__

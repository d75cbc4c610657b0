"""The layout `awsenv setup` writes, as edits of the two AWS files.

Each section is set with credfile.update_section, the in-place editor: only
awsenv's own sections change, and every other byte of both files (comments,
other sections, spacing, line endings) stays. The plan is pure data: the
command shows it as a diff before anything is written.
"""

from __future__ import annotations

import configparser
import difflib
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from awsenv import ini_lines
from awsenv.config.profiles import LEGACY_SESSION_SOURCE, SESSION_SOURCE
from awsenv.config.section_editor import update_profile, update_section
from awsenv.core.plan import SESSION_DEFAULT
from awsenv.errors import UsageError
from awsenv.ini_lines import CONTINUATION, OPTION


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    region: str | None = None


@dataclass(frozen=True)
class Layout:
    source: str  # the long-term key profile
    mfa_serial: str
    session: str = "mfa"
    duration: int = SESSION_DEFAULT
    roles: tuple[Role, ...] = ()
    process: bool = False  # also NAME-process profiles for tools without a shell
    new_keys: tuple[str, str] | None = field(default=None, repr=False)  # secrets
    # The words that run this awsenv, by absolute path: what a `-process`
    # profile runs (a GUI app's PATH seldom holds a pipx or venv bin).
    program: tuple[str, ...] = ("awsenv",)
    # By role name: the region its chain has in the files already (its own
    # section's, else its session profile's or keys profile's), which the
    # export uses and a `-process` profile must name for tools that read
    # only that profile (the AWS CLI, with no --region).
    regions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SsoLayout:
    """An IAM Identity Center profile: `[sso-session SESSION]` and `[profile NAME]`."""

    session: str
    start_url: str
    sso_region: str
    account_id: str
    role_name: str
    profile: str
    region: str | None = None


# Keys whose values are secrets, in either file: a diff never shows them.
SECRET_KEYS = frozenset({"aws_secret_access_key", "aws_session_token", "aws_security_token"})
MASKED = "*" * 8

# STS's own patterns: a SerialNumber is 9 to 256 of these, an ARN of a device
# or the serial of a hardware token; a role is an IAM role ARN.
_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+-\d{1,2}", re.ASCII)
# What a person types for a device: its ARN, or a hardware token's serial.
_MFA_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:mfa/[\w+=,.@/-]{1,512}", re.ASCII)
_TOKEN_SERIAL = re.compile(r"[A-Z0-9]{9,256}", re.ASCII)
# IAM's AccessKeyId: 16 to 128 word characters (AKIA... for an IAM user).
_ACCESS_KEY_ID = re.compile(r"\w{16,128}", re.ASCII)


def check(layout: Layout) -> None:
    """Refuse, before anything is written, what the refresh path would refuse
    or no tool could address: each value as awsenv and botocore read it."""
    from awsenv.core.plan import SESSION_RANGE

    names = [layout.source, layout.session, *(role.name for role in layout.roles)]
    if layout.process:
        names += [process_profile(role.name) for role in layout.roles]
    for name in names:
        check_name(name)
    check_session_name(layout.session)
    if not _SERIAL.fullmatch(layout.mfa_serial):
        raise UsageError("an MFA device is arn:aws:iam::ACCOUNT:mfa/NAME (or a token's serial)")
    low, high = SESSION_RANGE
    if not low <= layout.duration <= high:
        raise UsageError(f"--duration must be {low} to {high} seconds, not {layout.duration}")
    _check_roles(layout.roles)


_ACCOUNT = re.compile(r"\d{12}", re.ASCII)
_PERMISSION_SET = re.compile(r"[\w+=,.@-]{1,32}", re.ASCII)
_START_URL = re.compile(r"https://[^\s/?#]+(/[^\s]*)?", re.ASCII)


def check_sso(layout: SsoLayout) -> None:
    """What botocore and IAM Identity Center would refuse, before anything is written."""
    check_name(layout.profile)
    check_name(layout.session)
    if not _START_URL.fullmatch(layout.start_url):
        raise UsageError(
            "--sso-start-url is the portal's https:// URL (https://NAME.awsapps.com/start)"
        )
    for what, region in (("--sso-region", layout.sso_region), ("--region", layout.region)):
        if region is not None and not _REGION.fullmatch(region):
            raise UsageError(f"{what}: {region!r} is not a region (eu-west-1, say)")
    if not _ACCOUNT.fullmatch(layout.account_id):
        raise UsageError("--sso-account is the 12-digit account id")
    if not _PERMISSION_SET.fullmatch(layout.role_name):
        raise UsageError(f"--sso-role: {layout.role_name!r} is not a permission set's name")


def sso_session_for(start_url: str) -> str:
    """The sso-session a start URL gets by default: its host's first label
    (`https://my-org.awsapps.com/start` -> `my-org`)."""
    host = start_url.split("://", 1)[-1].split("/", 1)[0].split(".", 1)[0]
    return host if re.fullmatch(r"[\w.@+=,-]+", host, re.ASCII) else "sso"


def edit_sso(layout: SsoLayout, config: str) -> str:
    config = update_section(
        config,
        f"sso-session {layout.session}",
        {
            "sso_start_url": layout.start_url,
            "sso_region": layout.sso_region,
            "sso_registration_scopes": "sso:account:access",
        },
    )
    return update_profile(
        config,
        layout.profile,
        {
            "sso_session": layout.session,
            "sso_account_id": layout.account_id,
            "sso_role_name": layout.role_name,
            "region": layout.region or layout.sso_region,
        },
    )


def _check_roles(roles: tuple[Role, ...]) -> None:
    for role in roles:
        check_role_arn(role.name, role.arn)
        if role.region is not None:
            check_region(role.name, role.region)


# The checks of single answers, which the wizard makes as each is typed.


def check_role_arn(name: str, arn: str) -> None:
    if not _ROLE_ARN.fullmatch(arn):
        raise UsageError(f"{name}: a role ARN is arn:aws:iam::ACCOUNT:role/NAME")


def check_region(name: str, region: str) -> None:
    if not _REGION.fullmatch(region):
        raise UsageError(f"{name}: {region!r} is not a region (eu-west-1, say)")


def check_typed_device(serial: str) -> None:
    """A device typed by hand: its ARN as IAM shows it, or a hardware
    token's serial; a user name (`alice`) is neither."""
    if not (_MFA_ARN.fullmatch(serial) or _TOKEN_SERIAL.fullmatch(serial)):
        raise UsageError(
            "an MFA device is arn:aws:iam::ACCOUNT:mfa/NAME (IAM > Users > your user > "
            "Security credentials), or a hardware token's serial"
        )


def check_access_key_id(key_id: str) -> None:
    if not _ACCESS_KEY_ID.fullmatch(key_id):
        raise UsageError("an access key ID is 16 to 128 letters and digits (AKIA...)")


def check_session_name(name: str) -> None:
    check_name(name)
    if name == configparser.DEFAULTSECT:
        raise UsageError(
            f"a session profile cannot be named {name!r}: its section in the "
            "credentials file would apply to every profile"
        )


def check_name(name: str) -> None:
    """A profile name setup writes as `[profile NAME]` and `[NAME]`: one that
    botocore reads back as itself and every shell passes as one word."""
    from awsenv.sections import config_profile_name, new_config_section

    plain = name.isprintable() and not any(c in name for c in " []#;'\"\\")
    if not plain or config_profile_name(new_config_section(name)) != name:
        raise UsageError(
            f"{name!r} cannot be a profile name that every tool reads: use letters, digits "
            "and - _ . @ + = , : / (no spaces, quotes, brackets, # or ;)"
        )


def process_profile(role: str) -> str:
    return f"{role}-process"


def credential_process(role: str, program: tuple[str, ...] = ("awsenv",)) -> str:
    """The command line a `-process` profile runs. botocore splits it as shlex
    does; the Go SDK, Ruby and the JavaScript SDK hand it to `sh -c`: quoting
    for sh is read the same way by both. (On Windows every SDK splits it as
    the C runtime does.)"""
    words = [*program, "process", role]
    if sys.platform == "win32":
        import subprocess

        return subprocess.list2cmdline(words)
    return " ".join(shlex.quote(word) for word in words)


def edit(layout: Layout, config: str, credentials: str) -> tuple[str, str]:
    """The two files' new texts."""
    if layout.new_keys is not None:
        key_id, secret = layout.new_keys
        credentials = update_section(
            credentials,
            layout.source,
            {"aws_access_key_id": key_id, "aws_secret_access_key": secret},
        )
    # The session profile names its keys in awsenv's own key, and an earlier
    # setup's `source_profile` goes: the Go SDK refuses it without role_arn.
    config = update_profile(
        config,
        layout.session,
        {
            SESSION_SOURCE: layout.source,
            "mfa_serial": layout.mfa_serial,
            "duration_seconds": str(layout.duration),
        },
        remove=(LEGACY_SESSION_SOURCE,),
    )
    for role in layout.roles:
        values = {"role_arn": role.arn, "source_profile": layout.session}
        if role.region:
            values["region"] = role.region
        config = update_profile(config, role.name, values)
        if layout.process:
            process = {"credential_process": credential_process(role.name, layout.program)}
            region = role.region or layout.regions.get(role.name)
            if region:
                process["region"] = region
            config = update_profile(config, process_profile(role.name), process)
    return config, credentials


def diff(path: Path, before: str, after: str, secrets: tuple[str, ...] = ()) -> str:
    """A unified diff of one file, with every secret masked: the value of each
    line (context, removed or added) of a secret-valued key and its continuation
    lines, as configparser reads each file (ini_lines), and `secrets` (the ones
    typed in this run) wherever they stand. A changed secret still shows as a
    removed and an added line, both masked."""
    old, new = ini_lines.split(before), ini_lines.split(after)
    shown_old, shown_new = _masked(old), _masked(new)
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(3):
        if not out:
            out += [f"--- {path}\n", f"+++ {path}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [f" {line}" for line in shown_old[i1:i2]]
                continue
            out += [f"-{line}" for line in shown_old[i1:i2]]
            out += [f"+{line}" for line in shown_new[j1:j2]]
    text = "".join(line if line.endswith("\n") else line + "\n" for line in out)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASKED)
    return text


def _range(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (difflib's own rule)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _masked(lines: list[str]) -> list[str]:
    """The lines with the value of each secret-valued key masked, and each of
    its continuation lines."""
    out = []
    secret = False  # the option above holds a secret
    for line, kind in zip(lines, ini_lines.kinds(lines), strict=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if kind == OPTION:
            secret = (ini_lines.option_key(body.strip()) or "").lower() in SECRET_KEYS
            if secret:
                cut = ini_lines.delimiter(body) + 1
                value = body[cut:].lstrip()
                line = f"{body[: len(body) - len(value)]}{MASKED}{ending}"
        elif kind == CONTINUATION and secret:
            line = f"{body[: len(body) - len(body.lstrip())]}{MASKED}{ending}"
        out.append(line)
    return out


RC_FILES = {
    "bash": ".bashrc",
    "zsh": ".zshrc",
    "fish": ".config/fish/config.fish",
    "xonsh": ".xonshrc",
}


def with_rc_line(text: str, line: str) -> str | None:
    """The rc file with the init line added, or None when it already has it."""
    if any(existing.strip() == line for existing in text.splitlines()):
        return None
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}{line}\n"

"""`awsenv explain PROFILE`: how a profile resolves, from the files, the cache
and the environment, and the checks for what peers' users trip over.

Returns lines; never prints. No secret reaches a line: keys, session tokens
and the MFA code are never read into one; access key IDs are compared, not
shown. Each finding is one line that ends with its fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from awsenv import paths
from awsenv.aws.credentials import format_time
from awsenv.config.profiles import AwsFiles, Profile
from awsenv.core import aws_profile
from awsenv.core.exports import LEGACY_CREDENTIALS, REGION
from awsenv.core.freshness import CODE, LOGIN, REFUSED
from awsenv.core.inventory import Survey
from awsenv.core.plan import (
    CHAINED_ROLE_MAX,
    AssumeRole,
    BotocoreProfile,
    LongTermKeys,
    MfaSession,
    Node,
    SsoRole,
    StaticSession,
    build_plan,
    walk,
)


@dataclass
class Explanation:
    lines: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def where(files: AwsFiles, profile: Profile, key: str) -> str:
    """The file and section a setting of `profile` comes from (credentials win)."""
    if key in profile.credentials:
        return f"{files.credentials_path} [{profile.name}]"
    section = "default" if profile.name == "default" else f"profile {profile.name}"
    return f"{files.config_path} [{section}]"


def explain(
    files: AwsFiles,
    name: str,
    survey: Survey,
    environ: Mapping[str, str],
    *,
    skew: tuple[str, bool] | None = None,
) -> Explanation:
    """`skew`: the clock against STS in words, and whether it is off by more
    than the tolerance (only with --check-sts)."""
    from awsenv.config.strict_readers import refusal

    out = Explanation()
    say = out.lines.append
    config_by = " (AWS_CONFIG_FILE)" if environ.get("AWS_CONFIG_FILE") else ""
    creds_by = (
        " (AWS_SHARED_CREDENTIALS_FILE)" if environ.get("AWS_SHARED_CREDENTIALS_FILE") else ""
    )
    say(f"config file: {files.config_path}{config_by}{_absent(files.config_bytes)}")
    say(f"credentials file: {files.credentials_path}{creds_by}{_absent(files.credentials_bytes)}")
    plan = build_plan(files, name)
    say(f"profile {name}:")
    for node in walk(plan.top):
        for line in _step(files, node, survey):
            say(f"  {line}")
    following = survey.fresh.next_call(plan.top)
    if following.action == REFUSED:
        say(f"next call: refused: {following.refusal}")
        fault, _, fix = (following.refusal or "").partition("; ")
        out.findings.append(f"{fault}, so the export is refused; fix: {fix}")
    elif following.action == CODE:
        say(f"next call: asks for an MFA code for {following.serial} ({following.why})")
    elif following.action == LOGIN:
        say(f"next call: {following.why}")
    else:
        say(f"next call: no MFA code ({following.why})")
    say(f"refresh margin: {int(survey.margin.total_seconds())} s before expiry")
    say(_region(files, plan.top, plan.region))
    why_not = aws_profile.why_not(files, name, plan.top)
    if why_not:
        say(f"export: leaves AWS_PROFILE out ({why_not})")
    else:
        say(f"export: sets AWS_PROFILE={name}")
    refused = refusal(files, name)
    if refused is not None:
        out.findings.append(
            f"the Go SDK (terraform, pulumi) refuses [profile {refused.profile}] "
            f"({refused.why}) and every profile over it; fix: {refused.fix}"
        )
    _environment(out, environ, plan.top, survey)
    _checks(out, files, environ, skew)
    return out


def _absent(raw: bytes | None) -> str:
    return " (does not exist)" if raw is None else ""


def _step(files: AwsFiles, node: Node, survey: Survey) -> list[str]:
    if isinstance(node, AssumeRole):
        p = node.profile
        lines = [
            f"{p.name}: AssumeRole {node.role_arn} (role_arn from {where(files, p, 'role_arn')}), "
            f"source_profile {p.get('source_profile')} ({where(files, p, 'source_profile')})"
        ]
        temporary = any(
            isinstance(n, MfaSession | StaticSession | SsoRole) for n in walk(node.source)
        )
        if node.mfa_serial:
            lines.append(
                f"  MFA device {node.mfa_serial} ({where(files, p, 'mfa_serial')}): "
                "the code goes to AssumeRole directly (no long-term keys to hold a session)"
            )
        if temporary and node.duration > CHAINED_ROLE_MAX:
            lines.append(
                f"  duration {node.duration} s capped at {CHAINED_ROLE_MAX} s: AWS limits roles "
                "assumed with temporary credentials (role chaining) to 1 hour"
            )
        else:
            lines.append(f"  duration {node.duration} s")
        lines.append(f"  cached role credentials: {survey.fresh.state(node)}")
        return lines
    if isinstance(node, MfaSession):
        owner = node.profile or node.source.profile
        set_in = _serial_origin(files, node)
        kind = f"session profile {owner.name}" if node.profile else f"MFA session of {owner.name}"
        return [
            f"{kind}: GetSessionToken over the keys of {node.source.profile.name}, "
            f"{node.duration} s",
            f"  MFA device {node.serial} ({set_in})",
            f"  cached session: {survey.fresh.state(node)}",
        ]
    if isinstance(node, LongTermKeys):
        p = node.profile
        if node.keyring:
            return [
                f"{p.name}: long-term keys in the OS keyring, entry {node.keyring!r} "
                f"(credential_process from {where(files, p, 'credential_process')}); "
                "read only when a step is renewed"
            ]
        return [f"{p.name}: long-term keys ({where(files, p, 'aws_access_key_id')})"]
    if isinstance(node, StaticSession):
        p = node.profile
        return [
            f"{p.name}: temporary keys written by hand or another tool "
            f"({where(files, p, 'aws_session_token')})"
        ]
    if isinstance(node, SsoRole):
        return _sso_step(files, node, survey)
    assert isinstance(node, BotocoreProfile)
    session = node.profile.get("login_session")
    if session:
        return _login_lines(files, node.profile, session)
    return [f"{node.profile.name}: resolved by botocore (SSO, credential_process or similar)"]


def _sso_step(files: AwsFiles, node: SsoRole, survey: Survey) -> list[str]:
    from awsenv.aws.credentials import format_time
    from awsenv.core.sso_login import token_state
    from awsenv.store.sso_tokens import token_path

    p, access = node.profile, node.access
    session = access.session
    if session.name is not None:
        origin = f"sso_session {session.name} from {files.config_path} [sso-session {session.name}]"
    else:
        origin = f"sso_start_url from {where(files, p, 'sso_start_url')}"
    state, expiry = token_state(session, survey.now)
    when = format_time(expiry) if expiry else ""
    token = {
        "valid": f"valid until {when}",
        "refreshable": f"expired at {when}, refreshed with its refresh token on the next call",
        "expired": f"expired at {when}; the next call logs in",
        "none": "none; the next call logs in",
    }[state]
    return [
        f"{p.name}: IAM Identity Center role {access.role_name} in account {access.account_id} "
        f"({origin}; start URL {session.start_url}, region {session.region})",
        f"  token: {token} ({token_path(session.cache_name)})",
        f"  cached role credentials: {survey.fresh.state(node)}",
    ]


def _login_lines(files: AwsFiles, profile: Profile, session: str) -> list[str]:
    from awsenv.aws import login

    expiry = login.expiry(session)
    if expiry is None:
        state = f"none cached; run: aws login --profile {profile.name}"
    else:
        state = f"credentials until {format_time(expiry)} (botocore refreshes them with its token)"
    return [
        f"{profile.name}: aws login session {session} "
        f"(login_session from {where(files, profile, 'login_session')})",
        f"  login: {state} in {login.cache_file(session)}",
    ]


def _serial_origin(files: AwsFiles, node: MfaSession) -> str:
    # The serial of a session put on long-term keys may come from the role above.
    for profile in (node.profile, node.source.profile):
        if profile is not None and profile.get("mfa_serial") == node.serial:
            return where(files, profile, "mfa_serial")
    for profile_name in files.names:
        candidate = files.profile(profile_name)
        if candidate.get("mfa_serial") == node.serial:
            return where(files, candidate, "mfa_serial")
    return "unknown"


def _region(files: AwsFiles, top: Node, region: str | None) -> str:
    if region is None:
        removed = " and ".join(REGION)
        return f"region: none in the profile or its sources; the export removes {removed}"
    for node in walk(top):
        profile = getattr(node, "profile", None)
        if isinstance(profile, Profile) and profile.get("region") == region:
            return f"region: {region} (from {where(files, profile, 'region')})"
    return f"region: {region}"


def _environment(out: Explanation, environ: Mapping[str, str], top: Node, survey: Survey) -> None:
    say = out.lines.append
    for var in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"):
        value = repr(environ[var]) if environ.get(var) else "not set"
        say(f"{var}: {value} in this shell")
    key_id = environ.get("AWS_ACCESS_KEY_ID")
    entry = survey.fresh.entry(top)
    if not key_id:
        say("exported keys: none in this shell")
    elif entry is not None and entry.access_key_id == key_id:
        say("exported keys: this shell holds this profile's cached credentials")
    else:
        say("exported keys: this shell holds other keys than this profile's cached ones")
    token = environ.get("AWS_SESSION_TOKEN")
    current = (
        entry is not None and entry.session_token == token and survey.fresh.good(top) is not None
    )
    if token and not current:
        out.findings.append(
            "this shell holds an AWS_SESSION_TOKEN that is not this profile's current "
            "session; fix: run `awsenv unset`, then `awsenv PROFILE`"
        )
    legacy = environ.get("AWS_SECURITY_TOKEN")
    if legacy and legacy != token:
        out.findings.append(
            "AWS_SECURITY_TOKEN differs from AWS_SESSION_TOKEN (older SDKs read it); "
            "fix: run `awsenv unset`"
        )
    held = [n for n in LEGACY_CREDENTIALS if n != "AWS_SECURITY_TOKEN" and environ.get(n)]
    if held:
        out.findings.append(
            f"this shell holds {' and '.join(held)}, legacy names some SDKs read keys from "
            "(the Java SDK v1 prefers AWS_SECRET_KEY to AWS_SECRET_ACCESS_KEY); "
            "fix: run `awsenv unset` (every export removes them too)"
        )


def _checks(
    out: Explanation, files: AwsFiles, environ: Mapping[str, str], skew: tuple[str, bool] | None
) -> None:
    from awsenv.config.section_editor import exposure_warning

    exposed = exposure_warning(files.credentials_path)
    if exposed:
        out.findings.append(exposed)
    if skew is not None:
        words, off = skew
        out.lines.append(f"clock: {words}")
        if off:
            out.findings.append(f"{words}; fix: set the clock right (NTP)")
    integration = environ.get("AWSENV_SHELL_INTEGRATION")
    if integration:
        _integration(out, integration, environ.get("AWSENV_COMPLETION"))
    else:
        out.findings.append(
            "the awsenv integration is not loaded in this shell, so `awsenv PROFILE` only "
            "prints code; fix: add to your shell's rc file the line `awsenv init SHELL` "
            'prints last, e.g. `eval "$(awsenv init bash)"` (awsenv setup offers it)'
        )
    if _fish_universal("AWS_PROFILE", environ):
        out.findings.append(
            "fish holds a universal AWS_PROFILE, which every fish session shares; "
            "fix: set -eU AWS_PROFILE"
        )


def _integration(out: Explanation, shell: str, completion: str | None) -> None:
    """The wrapper's markers: the shell, and where completion depends on the
    user's setup (zsh) how it is installed: compinit's compdef, compctl (zsh
    without compinit), or none."""
    how = f", completion through {completion}" if completion and completion != "none" else ""
    out.lines.append(f"shell integration: loaded ({shell}{how})")
    if completion == "none":
        out.findings.append(
            f"{shell} completion of awsenv is not installed: neither compinit's compdef nor "
            "compctl is available; fix: add `autoload -Uz compinit && compinit` to ~/.zshrc "
            "(before or after the awsenv line)"
        )


def _fish_universal(name: str, environ: Mapping[str, str]) -> bool:
    """Does fish hold a universal `name`? Read from fish's own variables file."""
    base = environ.get("XDG_CONFIG_HOME") or Path(paths.home(environ), ".config")
    try:
        text = Path(base, "fish", "fish_variables").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(
        line.startswith("SETUVAR ") and line.split(" ")[-1].partition(":")[0] == name
        for line in text.splitlines()
    )

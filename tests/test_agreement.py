"""What awsenv says and what it does agree: over role, source kind and source
state, `list --json` (credentials, needs_mfa, problem), `explain` (next call),
`process` and the export itself tell the same story of the next call.

The export is the truth. Each case is classified by what it did: served with no
STS call, renewed without a code, asked for a code (refused under --no-prompt),
or refused outright. The reports must say the same, by one rule
(awsenv/core/freshness.py).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ACCOUNT, DEFAULT_KEY_ID, DEFAULT_SECRET, MFA_SERIAL, AwsEnv, Run

from awsenv.aws.credentials import Credentials
from awsenv.config.profiles import AwsFiles
from awsenv.core.freshness import RENEW, SERVED, Margins, for_cache, session_length
from awsenv.core.plan import AssumeRole, MfaSession, build_plan, walk
from awsenv.store.cache import Cache

ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
KEYS = (
    f"[default]\naws_access_key_id = {DEFAULT_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET}\n"
)

# The source of role `r`, by kind: (config, credentials).
KINDS = {
    # A role over a session profile over long-term keys (the seed layout).
    "session-profile": (
        f"[default]\nregion = eu-west-1\n\n[profile mfa]\nawsenv_source_profile = default\n"
        f"mfa_serial = {MFA_SERIAL}\n\n[profile r]\nrole_arn = {ROLE}\nsource_profile = mfa\n",
        KEYS,
    ),
    # A role with its own mfa_serial over long-term keys (the standard layout).
    "keys+mfa": (
        f"[default]\nregion = eu-west-1\n\n[profile r]\nrole_arn = {ROLE}\n"
        f"source_profile = default\nmfa_serial = {MFA_SERIAL}\n",
        KEYS,
    ),
    # A role over long-term keys, no MFA at all.
    "keys": (
        f"[default]\nregion = eu-west-1\n\n[profile r]\nrole_arn = {ROLE}\n"
        "source_profile = default\n",
        KEYS,
    ),
    # A role over another tool's temporary keys, written with their expiration.
    "tmp": (
        f"[profile r]\nrole_arn = {ROLE}\nsource_profile = tmp\nregion = eu-west-1\n",
        "[tmp]\naws_access_key_id = ASIAEXAMPLETMP00001\n"
        "aws_secret_access_key = tmpSecretKey000000000000000000000000001\n"
        "aws_session_token = tmpSessionToken0001\n",
    ),
}

# How long a cached entry (or [tmp]'s keys) has left; None: nothing there.
STATES = {
    "valid": timedelta(minutes=50),
    "margin": timedelta(minutes=2),  # inside the default 300 s margin
    "expired": timedelta(minutes=-1),
    "none": None,
}

CASES = [
    (kind, source, role)
    for kind in KINDS
    for source in (["none"] if kind == "keys" else list(STATES))
    for role in STATES
]


def prepare(aws: AwsEnv, kind: str, source: str, role: str, now: datetime | None = None) -> None:
    """The files and the cache in the chosen state, and no memo."""
    now = now or datetime.now(timezone.utc)
    config, credentials = KINDS[kind]
    if kind == "tmp" and STATES[source] is not None:
        expiry = (now + STATES[source]).strftime("%Y-%m-%dT%H:%M:%SZ")
        credentials += f"expiration = {expiry}\n"
    aws.write(config, credentials)
    shutil.rmtree(aws.cache, ignore_errors=True)
    files = AwsFiles.load(aws.config, aws.credentials)
    cache = Cache(aws.cache)
    for node in walk(build_plan(files, "r").top):
        left = STATES[role] if isinstance(node, AssumeRole) else STATES[source]
        if isinstance(node, MfaSession) and left is not None:
            cache.store(node.cache_key, _creds("ASIAEXAMPLESESSION01", now + left))
        if isinstance(node, AssumeRole) and left is not None:
            cache.store(node.cache_key, _creds("ASIAEXAMPLEROLE00001", now + left))


def _creds(key_id: str, expiration: datetime) -> Credentials:
    return Credentials(key_id, "secret" + key_id, "token" + key_id, expiration)


def what_it_did(aws: AwsEnv, result: Run, calls_before: int) -> str:
    if result.returncode == 0:
        return "served" if sum(aws.sts.calls.values()) == calls_before else "renew"
    if result.returncode == 2 and "--no-prompt" in result.stderr + result.stdout:
        return "code"
    if result.returncode == 2 and "terminal" in result.stderr:
        return "code"
    assert result.returncode == 3, result
    return "refused"


def outcome(aws: AwsEnv, *args: str) -> tuple[str, Run]:
    calls = sum(aws.sts.calls.values())
    result = aws.run(*args)
    return what_it_did(aws, result, calls), result


def reports(aws: AwsEnv) -> tuple[dict[str, object], str]:
    listed = aws.run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout)["profiles"] if r["name"] == "r")
    explained = aws.run("explain", "r")
    assert explained.returncode == 0, explained.stderr
    next_call = next(line for line in explained.stdout.splitlines() if line.startswith("next call"))
    return row, next_call


def assert_agree(truth: str, row: dict[str, object], next_call: str) -> None:
    said = (row["credentials"], row["needs_mfa"], row["problem"], next_call)
    if truth == "served":
        assert row["credentials"] == "valid", said
        assert row["needs_mfa"] is False and row["problem"] is None, said
        assert next_call.startswith("next call: no MFA code (cached until "), said
    elif truth == "renew":
        assert row["credentials"] in ("stale", "expired", "none"), said
        assert row["needs_mfa"] is False and row["problem"] is None, said
        assert next_call.startswith("next call: no MFA code (renews "), said
    elif truth == "code":
        assert row["credentials"] != "valid", said
        assert row["needs_mfa"] is True and row["problem"] is None, said
        assert row["mfa_serial"] == MFA_SERIAL, said
        assert next_call.startswith(f"next call: asks for an MFA code for {MFA_SERIAL} ("), said
    else:
        assert row["credentials"] != "valid", said
        assert row["needs_mfa"] is False and row["problem"] == "source-expiring", said
        assert next_call.startswith("next call: refused: the temporary keys in [tmp] "), said


# What the export must do, case by case: the table the reports are held to.
def expected(kind: str, source: str, role: str) -> str:
    tmp_refused = kind == "tmp" and source in ("margin", "expired")
    if tmp_refused:
        return "refused"
    source_good = kind in ("keys", "tmp") or source == "valid"
    # A session profile's section is read by tools given AWS_PROFILE: the role
    # is only as good as it. The unnamed session of keys+mfa is not.
    role_served = role == "valid" and (kind != "session-profile" or source_good)
    if role_served:
        return "served"
    return "renew" if source_good else "code"


@pytest.mark.parametrize(("kind", "source", "role"), CASES, ids=["/".join(c) for c in CASES])
def test_list_explain_process_and_export_agree(
    aws: AwsEnv, kind: str, source: str, role: str
) -> None:
    aws.sts.check_keys = False  # the cached keys are made up; STS accepts any
    now = datetime.now(timezone.utc)
    prepare(aws, kind, source, role, now)
    row, next_call = reports(aws)
    by_process, process = outcome(aws, "process", "r")
    prepare(aws, kind, source, role, now)  # as it was before `process`
    truth, export = outcome(aws, "r", "--shell", "bash", "--no-prompt")
    assert truth == expected(kind, source, role), (export.stderr, row, next_call)
    assert by_process == truth, (process.stderr, export.stderr)
    assert_agree(truth, row, next_call)
    if truth == "refused":
        assert row["detail"] in export.stderr
        assert next_call.removeprefix("next call: refused: ") in export.stderr


def test_role_over_another_tools_expiring_keys_is_refused_by_export_list_and_explain(
    aws: AwsEnv,
) -> None:
    # The role's own credentials are cached for 50 min; [tmp] expires in 2.
    prepare(aws, "tmp", "margin", "valid")
    export = aws.run("r", "--shell", "bash", "--no-prompt")
    assert export.returncode == 3
    assert "the temporary keys in [tmp] expire at " in export.stderr
    assert "refresh them with the tool that wrote them" in export.stderr
    row, next_call = reports(aws)
    assert row["credentials"] == "stale"
    assert row["needs_mfa"] is False
    assert row["problem"] == "source-expiring"
    assert next_call.startswith("next call: refused: the temporary keys in [tmp] expire at ")
    findings = aws.run("explain", "r").stdout
    assert "so the export is refused; fix: refresh them with the tool that wrote them" in findings


# Inside botocore's 15-minute window, outside the export's 300 s margin.
SDK_WINDOW_LEFT = timedelta(minutes=12)


@pytest.mark.parametrize("kind", ["session-profile", "keys+mfa", "keys"])
def test_process_renews_within_the_sdk_window_where_the_export_serves(
    aws: AwsEnv, kind: str
) -> None:
    """The one rule, two margins: a role (a one-hour session) with 12 minutes
    left is served to a shell, renewed for an SDK; list and explain tell the
    export's story, and the rule asked with process's margins tells process's."""
    aws.sts.check_keys = False
    now = datetime.now(timezone.utc)
    source = "none" if kind == "keys" else "valid"
    STATES["sdk"] = SDK_WINDOW_LEFT
    try:
        prepare(aws, kind, source, "sdk", now)
        row, next_call = reports(aws)
        by_process, process = outcome(aws, "process", "r")
        prepare(aws, kind, source, "sdk", now)
        truth, export = outcome(aws, "r", "--shell", "bash", "--no-prompt")
        prepare(aws, kind, source, "sdk", now)
    finally:
        del STATES["sdk"]
    assert truth == "served", export.stderr
    assert_agree(truth, row, next_call)
    assert by_process == "renew", process.stderr
    assert json.loads(process.stdout)["AccountId"] == ACCOUNT
    # The rule itself, asked with process's margins, says what process did.
    top = build_plan(AwsFiles.load(aws.config, aws.credentials), "r").top
    margins = Margins(timedelta(seconds=300), sdk=True)
    rule = for_cache(
        Cache(aws.cache), margins.refresh, lambda: now, top, margins.top(session_length(top))
    )
    assert rule.next_call(top).action == RENEW
    export_rule = for_cache(Cache(aws.cache), margins.refresh, lambda: now)
    assert export_rule.next_call(top).action == SERVED

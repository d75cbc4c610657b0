"""Every SDK reads what awsenv writes: a matrix of real clients (the Go SDK v2
and v1, which terraform and pulumi embed; the Ruby SDK; terraform with the
hashicorp/aws provider; the AWS CLI; the JavaScript SDK v3) against every
layout awsenv documents, in every way a tool meets awsenv:

- `export`: the environment `eval "$(awsenv dev)"` leaves (AWS_PROFILE included
  where awsenv sets it, which these SDKs load and check even beside keys);
- `process`: `credential_process = awsenv process dev`, the profile chosen by
  AWS_PROFILE or named in code, warm (cached) and cold (the code from
  `mfa_process`, or typed at awsenv's prompt while the SDK runs on a terminal);
- `sdk-assumes`: only AWS_PROFILE=dev, the SDK assuming the role itself over
  the `[mfa]` section awsenv wrote (the layouts that have one).

Each cell asserts the caller's ARN and the access key that signed the
GetCallerIdentity call, as the local STS logged it, and where that key came
from (an AssumeRole of the role, signed with what the case says).
Every client sets an STS-only endpoint in code (none of these SDK versions
reads AWS_ENDPOINT_URL) and leaves credential resolution to its own chain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import clients
import pexpect
import pytest
from conftest import (
    ACCOUNT,
    CODE,
    MFA_SERIAL,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    STANDARD_CONFIG,
    STANDARD_CREDENTIALS,
    AwsEnv,
)
from realshells import evaluate

from awsenv.core.exports import MANAGED

pytestmark = pytest.mark.slow

DEV_ROLE = f"arn:aws:iam::{ACCOUNT}:role/dev"
PROCESS = "\n[profile dev-process]\ncredential_process = awsenv process dev\nregion = us-east-1\n"
# The seed's own layout: the session profile's settings stand in its section of
# the credentials file, beside the keys awsenv writes; the config has only roles.
SEED_OWN_CONFIG = SEED_CONFIG.replace(
    f"[profile mfa]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n\n", ""
)
SEED_OWN_CREDENTIALS = (
    SEED_CREDENTIALS + f"\n[mfa]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n"
)


@dataclass(frozen=True)
class Layout:
    config: str
    credentials: str
    # Where `mfa_process` goes: next to the mfa_serial that asks for the code.
    code_section: str
    code_file: str  # "config" or "credentials"
    session: bool  # has an [mfa] section the SDKs can assume the role over


LAYOUTS = {
    "session-profile": Layout(SEED_CONFIG, SEED_CREDENTIALS, "[profile mfa]\n", "config", True),
    "standard": Layout(STANDARD_CONFIG, STANDARD_CREDENTIALS, "[profile dev]\n", "config", False),
    "seed": Layout(SEED_OWN_CONFIG, SEED_OWN_CREDENTIALS, "\n[mfa]\n", "credentials", True),
}


def need(name: str) -> str:
    problem = clients.available()[name]
    if problem:
        # terraform is the image's, not Debian's: a machine without it skips,
        # with the reason; every SDK is required where CI says so.
        if os.environ.get("AWSENV_REQUIRE_CLIENTS") and name not in clients.OPTIONAL_CLIENTS:
            pytest.fail(f"{name} is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    return name


@pytest.fixture(params=clients.CLIENTS)
def client(request: pytest.FixtureRequest) -> str:
    return need(request.param)


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request: pytest.FixtureRequest, aws: AwsEnv) -> Layout:
    chosen = LAYOUTS[request.param]
    aws.write(chosen.config + PROCESS, chosen.credentials)
    return chosen


@pytest.fixture(params=sorted(name for name, layout in LAYOUTS.items() if layout.session))
def session_layout(request: pytest.FixtureRequest, aws: AwsEnv) -> Layout:
    """The layouts with an [mfa] section for SDKs to assume roles over (the
    standard layout keeps no session in the files: an SDK would ask a code)."""
    chosen = LAYOUTS[request.param]
    aws.write(chosen.config + PROCESS, chosen.credentials)
    return chosen


# The JavaScript SDK v3 prefers AWS_PROFILE to the exported keys: it resolves
# the profile, and so assumes the role itself over [mfa].
PREFERS_AWS_PROFILE = {"node"}


def with_mfa_process(aws: AwsEnv, layout: Layout) -> None:
    """Put `mfa_process = echo CODE` beside the layout's mfa_serial."""
    path = aws.config if layout.code_file == "config" else aws.credentials
    text = path.read_text()
    assert layout.code_section in text
    line = f"mfa_process = echo {CODE}\n"
    path.write_text(text.replace(layout.code_section, layout.code_section + line, 1))


def client_env(aws: AwsEnv, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**aws.environ, "AWSENV_TEST_STS_ENDPOINT": aws.sts.endpoint, **(extra or {})}
    return env


def who(client: str, env: dict[str, str], profile: str | None = None) -> Any:
    return clients.whoami(client, env, profile=profile)


def on_terminal(client: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The client's command and environment, to run it on a pseudo-terminal."""
    child_env = clients.client_env(client, env)
    child_env.pop("PYTHONUNBUFFERED", None)  # a prompt must flush by itself
    return clients.client_argv(client), child_env


def printed(client: str, screen: str) -> clients.ClientResult:
    """The client's one JSON line, from a terminal that also shows the prompt."""
    import json

    # The JSON document (the AWS CLI indents it over several lines) is what
    # follows the prompt and its echo.
    start = screen.index("{\r\n" if "{\r\n" in screen else '{"')
    data, _end = json.JSONDecoder().raw_decode(screen[start:].replace("\r\n", "\n"))
    line = json.dumps(data)
    identity = {"Arn": data["Arn"], "Account": data["Account"]}
    return clients.ClientResult(client, identity, line, "", 0.0, data.get("AccessKeyId"))


def exported(aws: AwsEnv, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    shell = evaluate("bash", result.stdout, list(MANAGED), tmp_path)
    assert shell.returncode == 0, shell.stderr
    return shell.variables


def signer(aws: AwsEnv) -> str:
    """The access key that signed the GetCallerIdentity calls (terraform
    starts its provider twice, and each start asks once): one key for all."""
    calls = [e for e in aws.sts.requests_log if e["action"] == "GetCallerIdentity"]
    assert calls, aws.sts.requests_log
    assert all(call["status"] == 200 for call in calls), calls
    keys = {call["access_key_id"] for call in calls}
    assert len(keys) == 1, keys
    key = keys.pop()
    assert isinstance(key, str)
    return key


def issuer(aws: AwsEnv, key: str) -> dict[str, Any]:
    """The logged STS call that issued `key`."""
    found = [e for e in aws.sts.requests_log if e.get("issued") == key]
    assert found, f"{key} was not issued by any call this test made"
    return found[-1]


def assert_dev(aws: AwsEnv, result: Any) -> str:
    """The caller is the dev role, signed with a key some AssumeRole of dev
    issued; returns that key."""
    assert result.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")
    key = signer(aws)
    if result.access_key_id is not None:
        assert result.access_key_id == key
    return key


def mfa_section_key(aws: AwsEnv) -> str:
    from awsenv.config.profiles import AwsFiles

    key = AwsFiles.load(aws.config, aws.credentials).credentials["mfa"]["aws_access_key_id"]
    return key


# -- (a) the environment the export leaves ------------------------------------


def test_export_environment(aws: AwsEnv, tmp_path, layout: Layout, client: str) -> None:
    env = exported(aws, tmp_path)
    # AWS_PROFILE is in it where awsenv names the profile, so the SDK loads
    # and checks dev's chain as well as using the keys.
    assert ("AWS_PROFILE" in env) == layout.session
    session_key = mfa_section_key(aws) if layout.session else None
    aws.sts.reset()
    result = who(client, client_env(aws, env))
    key = assert_dev(aws, result)
    if client in PREFERS_AWS_PROFILE and "AWS_PROFILE" in env:
        made = issuer(aws, key)
        assert made["role_arn"] == DEV_ROLE and made["access_key_id"] == session_key
        assert set(aws.sts.calls) == {"AssumeRole", "GetCallerIdentity"}
    else:
        assert key == env["AWS_ACCESS_KEY_ID"]
        assert set(aws.sts.calls) == {"GetCallerIdentity"}


# -- (b) credential_process ----------------------------------------------------


@pytest.mark.parametrize("named", ["AWS_PROFILE", "in code"])
def test_process_warm(aws: AwsEnv, tmp_path, layout: Layout, client: str, named: str) -> None:
    env = exported(aws, tmp_path)
    aws.sts.reset()
    result = who(client, *_named(aws, named))
    key = assert_dev(aws, result)
    # Served from awsenv's cache: the very keys the shell got, no STS call but this one.
    assert key == env["AWS_ACCESS_KEY_ID"]
    assert set(aws.sts.calls) == {"GetCallerIdentity"}


@pytest.mark.parametrize("named", ["AWS_PROFILE", "in code"])
def test_process_cold_with_mfa_process(
    aws: AwsEnv, layout: Layout, client: str, named: str
) -> None:
    with_mfa_process(aws, layout)
    result = who(client, *_named(aws, named))
    key = assert_dev(aws, result)
    made = issuer(aws, key)
    assert made["action"] == "AssumeRole" and made["role_arn"] == DEV_ROLE
    assert aws.sts.successes["GetSessionToken"] == 1
    assert [e["token_code"] for e in aws.sts.requests_log if e["token_code"]] == [CODE]


def _named(aws: AwsEnv, named: str) -> tuple[dict[str, str], str | None]:
    if named == "AWS_PROFILE":
        return client_env(aws, {"AWS_PROFILE": "dev-process"}), None
    return client_env(aws), "dev-process"


def test_process_cold_code_typed_at_awsenvs_prompt(
    aws: AwsEnv, layout: Layout, client: str
) -> None:
    """The SDK runs awsenv with its stdio captured; awsenv asks on the terminal
    the SDK itself runs on, and the code typed there serves the SDK."""
    argv, env = on_terminal(client, client_env(aws, {"AWS_PROFILE": "dev-process"}))
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=120,
                          cwd=env["HOME"])  # fmt: skip
    try:
        child.expect(r"MFA code for [^\r\n]*: ")
        child.sendline(CODE)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    result = printed(client, child.before or "")
    key = assert_dev(aws, result)
    assert issuer(aws, key)["role_arn"] == DEV_ROLE
    assert aws.sts.successes["GetSessionToken"] == 1


# -- (c) the SDK assumes the role over [mfa] -----------------------------------


@pytest.mark.parametrize("named", ["AWS_PROFILE", "in code"])
def test_sdk_assumes_the_role_over_the_mfa_section(
    aws: AwsEnv, tmp_path, session_layout: Layout, client: str, named: str
) -> None:
    exported(aws, tmp_path)
    session_key = mfa_section_key(aws)
    aws.sts.reset()
    env, profile = (
        (client_env(aws, {"AWS_PROFILE": "dev"}), None)
        if named == "AWS_PROFILE"
        else (client_env(aws), "dev")
    )
    result = who(client, env, profile)
    key = assert_dev(aws, result)
    made = issuer(aws, key)
    # The SDK's own AssumeRole, signed with the session awsenv wrote into [mfa].
    assert made["action"] == "AssumeRole" and made["role_arn"] == DEV_ROLE
    assert made["access_key_id"] == session_key
    assert made["has_session_token"]
    assert aws.sts.calls["GetSessionToken"] == 0


# -- errors under an SDK reach the person --------------------------------------


def test_an_error_under_the_sdk_reaches_the_terminal(aws: AwsEnv, client: str) -> None:
    """terraform shows only `exit status 2` of a failing credential_process;
    awsenv's one line also goes to the terminal the SDK runs on."""
    aws.write(
        SEED_CONFIG + "\n[profile broken]\ncredential_process = awsenv process nosuch\n"
        "region = us-east-1\n",
        SEED_CREDENTIALS,
    )
    argv, env = on_terminal(client, client_env(aws, {"AWS_PROFILE": "broken"}))
    # The client's own stderr goes nowhere: only what awsenv writes to the
    # terminal itself can reach the screen.
    script = 'exec "$@" 2>/dev/null'
    child = pexpect.spawn("sh", ["-c", script, "sh", *argv], env=env, encoding="utf-8",
                          timeout=120, cwd=env["HOME"])  # fmt: skip
    try:
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus != 0
    assert "awsenv: unknown profile 'nosuch'" in (child.before or "")


# -- files in the earlier form --------------------------------------------------


def test_old_form_export_environment_loads_in_every_sdk(aws: AwsEnv, tmp_path, client: str) -> None:
    """The Go SDK refuses the earlier session profile, and would refuse the
    whole environment if AWS_PROFILE named a role over it: the export leaves
    AWS_PROFILE out, and the keys serve every SDK."""
    from conftest import LEGACY_SEED_CONFIG

    aws.write(LEGACY_SEED_CONFIG, SEED_CREDENTIALS)
    env = exported(aws, tmp_path)
    assert "AWS_PROFILE" not in env
    aws.sts.reset()
    result = who(client, client_env(aws, env))
    assert assert_dev(aws, result) == env["AWS_ACCESS_KEY_ID"]
    assert set(aws.sts.calls) == {"GetCallerIdentity"}


@pytest.mark.parametrize("go", ["go2", "go1"])
def test_old_form_named_by_aws_profile_is_what_the_go_sdk_refuses(
    aws: AwsEnv, tmp_path, go: str
) -> None:
    """Why the export withholds it: the same environment plus AWS_PROFILE=dev
    fails in the Go SDK (the strictest reader decides)."""
    from conftest import LEGACY_SEED_CONFIG

    need(go)
    aws.write(LEGACY_SEED_CONFIG, SEED_CREDENTIALS)
    env = {**exported(aws, tmp_path), "AWS_PROFILE": "dev"}
    with pytest.raises(clients.ClientFailed, match="source_profile requires role_arn"):
        who(go, client_env(aws, env))

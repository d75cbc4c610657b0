"""The real-client harness (tests/clients.py) works against a local STS (moto).

Proves that the AWS SDK for JavaScript v3, the AWS CLI v1, the AWS SDKs for Go
(v2, v1) and Ruby, and terraform's AWS provider resolve credentials from
exactly the env we hand them, and records where they differ: the JS SDK
prefers AWS_PROFILE over env keys, so a profile with mfa_serial sends JS tools
into an MFA prompt even when valid keys are exported; the Go SDKs (and so
terraform) refuse a profile with source_profile and no role_arn, which the
others accept.

Needs `bash tests/clients-setup.sh` first. Without it the JS SDK and the AWS
CLI fail here; the Go and Ruby clients skip, or fail under
AWSENV_REQUIRE_CLIENTS; terraform skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import conftest
import pexpect
import pytest
from conftest import AwsEnv

sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"  # moto's default account
DEFAULT_KEY_ID = "AKIAEXAMPLEDEFAULT"
DEFAULT_SECRET = "defaultsecretdefaultsecretdefaultsecret0"
DEV_ROLE = f"arn:aws:iam::{ACCOUNT}:role/dev"
MFA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"
MFA_SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"

CONFIG = f"""\
[default]
region = us-east-1

[profile dev]
role_arn = {DEV_ROLE}
source_profile = default

[profile mfa]
role_arn = {MFA_ROLE}
source_profile = default
mfa_serial = {MFA_SERIAL}
"""

CREDENTIALS = f"""\
[default]
aws_access_key_id = {DEFAULT_KEY_ID}
aws_secret_access_key = {DEFAULT_SECRET}
"""

WHOAMI = pytest.mark.parametrize(
    "whoami", [clients.node_whoami, clients.awscli_whoami], ids=["node", "awscli"]
)


def assumed_role_arn(role: str, session: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module", autouse=True)
def _clients_installed() -> None:
    problems = clients.available()
    missing = {k: problems[k] for k in ("node", "awscli") if problems[k]}
    if missing:
        pytest.fail(
            "real AWS clients missing (install with: "
            f"{clients.INSTALL_COMMAND}):\n" + "\n".join(f"  {k}: {v}" for k, v in missing.items()),
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sts_endpoint(tmp_path_factory: pytest.TempPathFactory):
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        found = shutil.which("moto_server")
        assert found, f"moto_server not next to {sys.executable} nor on PATH"
        exe = Path(found)
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def base_env(tmp_path: Path, sts_endpoint: str) -> dict[str, str]:
    """Throwaway HOME, config and credentials; no keys, no profile selected."""
    config = tmp_path / "config"
    credentials = tmp_path / "credentials"
    config.write_text(CONFIG)
    credentials.write_text(CREDENTIALS)
    return {
        "HOME": str(tmp_path),
        "PATH": os.defpath,
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ENDPOINT_URL_STS": sts_endpoint,
        "AWSENV_TEST_STS_ENDPOINT": sts_endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


@pytest.fixture
def assume_role(sts_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """assume_role(role_name) -> (session_name, env keys), straight from boto3."""
    # Keep this process's own AWS settings out of the boto3 session.
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    empty = tmp_path / "boto3-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    sts = boto3.client(
        "sts",
        endpoint_url=sts_endpoint,
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET,
    )

    def _assume(role: str) -> tuple[str, dict[str, str]]:
        session = f"awsenv-{uuid.uuid4().hex[:12]}"
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName=session
        )["Credentials"]
        return session, {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    return _assume


# --------------------------------------------------------------------------
# both clients read the same credentials


def test_both_clients_available() -> None:
    problems = clients.available()
    assert set(problems) == set(clients.CLIENTS)
    assert problems["node"] is None and problems["awscli"] is None


@WHOAMI
def test_default_profile_long_term_keys(whoami, base_env) -> None:
    # moto answers any unknown long-term key with its fixed user.
    assert whoami(base_env) == {"Arn": f"arn:aws:sts::{ACCOUNT}:user/moto", "Account": ACCOUNT}


@WHOAMI
def test_env_keys_from_assume_role(whoami, base_env, assume_role) -> None:
    session, keys = assume_role("dev")
    assert whoami(base_env | keys) == {
        "Arn": assumed_role_arn("dev", session),
        "Account": ACCOUNT,
    }


@WHOAMI
def test_profile_role_with_source_profile(whoami, base_env) -> None:
    identity = whoami(base_env | {"AWS_PROFILE": "dev"})
    assert identity["Account"] == ACCOUNT
    # The session name is the SDK's own: aws-sdk-js-<ms> / botocore-session-<s>.
    assert re.fullmatch(
        rf"arn:aws:sts::{ACCOUNT}:assumed-role/dev/(aws-sdk-js|botocore-session)-\d+",
        identity["Arn"],
    ), identity


def test_parent_process_env_does_not_leak(base_env, monkeypatch) -> None:
    """Only the env passed in reaches the client, not this process's."""
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIABOGUSBOGUSBOGUS0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bogus")
    expected = {"Arn": f"arn:aws:sts::{ACCOUNT}:user/moto", "Account": ACCOUNT}
    assert clients.node_whoami(base_env) == expected
    assert clients.awscli_whoami(base_env) == expected


# --------------------------------------------------------------------------
# MFA: the JS SDK must never prompt in tests; it fails instead


def test_mfa_profile_makes_js_client_fail(base_env) -> None:
    with pytest.raises(clients.ClientFailed) as err:
        clients.node_whoami(base_env | {"AWS_PROFILE": "mfa"})
    assert "MfaPromptRequested: MFA prompt requested" in err.value.stderr
    assert MFA_SERIAL in err.value.stderr


def test_mfa_profile_makes_awscli_prompt_and_fail(base_env) -> None:
    # The AWS CLI prompts too; with stdin at EOF and no terminal it fails.
    with pytest.raises(clients.ClientFailed) as err:
        clients.awscli_whoami(base_env | {"AWS_PROFILE": "mfa"})
    assert f"Enter MFA code for {MFA_SERIAL}" in err.value.stderr


# --------------------------------------------------------------------------
# precedence when both AWS_PROFILE and env keys are set


def test_precedence_js_prefers_profile_awscli_prefers_keys(base_env, assume_role) -> None:
    session, keys = assume_role("from-env")
    env = base_env | keys | {"AWS_PROFILE": "dev"}

    js = clients.run_node_whoami(env)
    assert js.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/aws-sdk-js-")
    assert "Multiple credential sources detected" in js.stderr
    assert "This SDK will proceed with the AWS_PROFILE value" in js.stderr

    assert clients.awscli_whoami(env) == {
        "Arn": assumed_role_arn("from-env", session),
        "Account": ACCOUNT,
    }


def test_trap_mfa_profile_with_exported_keys(base_env, assume_role) -> None:
    """Valid keys exported + AWS_PROFILE naming an MFA role: the CLI works,
    JS tools (CDK, Serverless) go to the profile and want an MFA code."""
    session, keys = assume_role("admin")
    env = base_env | keys | {"AWS_PROFILE": "mfa"}

    assert clients.awscli_whoami(env)["Arn"] == assumed_role_arn("admin", session)
    with pytest.raises(clients.ClientFailed) as err:
        clients.node_whoami(env)
    assert "MFA prompt requested" in err.value.stderr
    assert "Multiple credential sources detected" in err.value.stderr


# --------------------------------------------------------------------------
# harness guard rails


def test_refuses_without_local_endpoint(base_env) -> None:
    env = {
        k: v
        for k, v in base_env.items()
        if k not in ("AWS_ENDPOINT_URL_STS", "AWSENV_TEST_STS_ENDPOINT")
    }
    with pytest.raises(ValueError, match="never talks to real AWS"):
        clients.node_whoami(env)
    with pytest.raises(ValueError, match="never talks to real AWS"):
        clients.awscli_whoami(env)


def test_node_endpoint_falls_back_to_aws_endpoint_url_sts(base_env) -> None:
    env = {k: v for k, v in base_env.items() if k != "AWSENV_TEST_STS_ENDPOINT"}
    assert clients.node_whoami(env)["Account"] == ACCOUNT


def test_missing_awscli_names_install_command(base_env, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AWSENV_AWSCLI", str(tmp_path / "nope" / "aws"))
    problem = clients.available()["awscli"]
    assert problem and clients.INSTALL_COMMAND in problem
    with pytest.raises(clients.ClientUnavailable, match=re.escape(clients.INSTALL_COMMAND)):
        clients.awscli_whoami(base_env)
    assert not issubclass(clients.ClientUnavailable, clients.ClientFailed)


def test_unknown_client_is_a_value_error(base_env) -> None:
    with pytest.raises(ValueError, match="unknown client 'boto2'"):
        clients.whoami("boto2", base_env)


# --------------------------------------------------------------------------
# every SDK asks the local STS itself (conftest's `aws`: moto behind the
# strict proxy, which logs the key that signed each request)

ALL_CLIENTS = pytest.mark.parametrize("client", clients.CLIENTS)
# The Go SDKs, and terraform's provider built on the v2 one.
STRICT = ("go2", "go1", "terraform")
# Clients that do not show the key they resolved: the STS log tells.
KEYLESS = ("awscli", "terraform")
NAMED = pytest.mark.parametrize("named_in_code", [False, True], ids=["AWS_PROFILE", "in-code"])
REGION = "eu-west-1"
OLD_MFA_LAYOUT = f"""\
[default]
region = {REGION}

[profile mfa]
source_profile = default
mfa_serial = {conftest.MFA_SERIAL}
region = {REGION}

[profile dev]
role_arn = {DEV_ROLE}
source_profile = mfa
region = {REGION}
"""
# The same with the link spelled in a key no SDK knows.
NEW_MFA_LAYOUT = OLD_MFA_LAYOUT.replace(
    "source_profile = default", "awsenv_source_profile = default"
)
ROLE_OVER_KEYS = f"""\
[default]
region = {REGION}

[profile dev]
role_arn = {DEV_ROLE}
source_profile = default
region = {REGION}
"""
LONG_TERM_KEYS = f"""\
[default]
aws_access_key_id = {conftest.DEFAULT_KEY_ID}
aws_secret_access_key = {conftest.DEFAULT_SECRET}
"""
GO_SOURCE_PROFILE_ERROR = "credential type source_profile requires role_arn, profile mfa"
# aws-sdk-core 3.168 runs a credential_process twice as it builds the provider
# (ProcessCredentials#initialize, then RefreshingCredentials#initialize): a
# prompt there is seen twice unless the second run is served from a cache.
PROCESS_RUNS = {"ruby": 2}


def ready(client: str) -> None:
    """Fail for a missing client that this run requires, else skip."""
    problem = clients.available()[client]
    if problem is None:
        return
    if os.environ.get("AWSENV_REQUIRE_CLIENTS") and client not in clients.OPTIONAL_CLIENTS:
        pytest.fail(f"{client} is required (AWSENV_REQUIRE_CLIENTS): {problem}")
    pytest.skip(f"{client}: {problem}")


def env_keys(creds: dict[str, str]) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def session_section(name: str, creds: dict[str, str]) -> str:
    return (
        f"[{name}]\n"
        f"aws_access_key_id = {creds['AccessKeyId']}\n"
        f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
        f"aws_session_token = {creds['SessionToken']}\n"
    )


def sts_calls(aws: AwsEnv) -> list[tuple[str, str | None]]:
    """(action, signing key) of every request STS answered, in order."""
    return [(e["action"], e["access_key_id"]) for e in aws.sts.requests_log if e["status"] == 200]


def caller_key(aws: AwsEnv) -> str:
    """The one key every GetCallerIdentity was signed with (terraform makes two)."""
    keys = {key for action, key in sts_calls(aws) if action == "GetCallerIdentity"}
    assert len(keys) == 1 and None not in keys, sts_calls(aws)
    return str(keys.pop())


def assert_shown_key(result: clients.ClientResult, key: str) -> None:
    if result.client in KEYLESS:
        assert result.access_key_id is None
    else:
        assert result.access_key_id == key


@pytest.fixture
def issue(aws: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], dict[str, str]]:
    """issue("session") or issue(role name): credentials moto issues through the
    proxy to botocore with the long-term keys; the STS log is cleared after."""
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    empty = aws.root / "boto3-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    sts = boto3.client(
        "sts",
        endpoint_url=aws.sts.endpoint,
        region_name="us-east-1",
        aws_access_key_id=conftest.DEFAULT_KEY_ID,
        aws_secret_access_key=conftest.DEFAULT_SECRET,
    )

    def _issue(what: str) -> dict[str, str]:
        if what == "session":
            creds = sts.get_session_token(SerialNumber=conftest.MFA_SERIAL, TokenCode=conftest.CODE)
        else:
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{what}", RoleSessionName=f"issued-{what}"
            )
        aws.sts.reset()
        out = dict(creds["Credentials"])
        out["Expiration"] = out["Expiration"].isoformat()
        return out

    return _issue


@ALL_CLIENTS
def test_env_keys_of_an_issued_session(client: str, aws: AwsEnv, issue) -> None:
    ready(client)
    creds = issue("from-env")
    aws.write(f"[default]\nregion = {REGION}\n", "")
    result = clients.whoami(client, aws.environ | env_keys(creds))
    assert result.identity == {
        "Arn": assumed_role_arn("from-env", "issued-from-env"),
        "Account": ACCOUNT,
    }
    assert caller_key(aws) == creds["AccessKeyId"]
    assert_shown_key(result, creds["AccessKeyId"])


@ALL_CLIENTS
@NAMED
def test_role_over_static_keys_is_assumed_by_the_sdk(
    client: str, named_in_code: bool, aws: AwsEnv
) -> None:
    ready(client)
    aws.write(ROLE_OVER_KEYS, LONG_TERM_KEYS)
    if named_in_code:
        result = clients.whoami(client, aws.environ, profile="dev")
    else:
        result = clients.whoami(client, aws.environ | {"AWS_PROFILE": "dev"})
    assert result.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")
    calls = sts_calls(aws)
    assert calls[0] == ("AssumeRole", conftest.DEFAULT_KEY_ID)
    assert {action for action, _ in calls[1:]} == {"GetCallerIdentity"}
    key = caller_key(aws)
    assert key.startswith("ASIA")
    assert_shown_key(result, key)


@ALL_CLIENTS
def test_source_profile_without_role_arn(client: str, aws: AwsEnv, issue) -> None:
    """The layout only the Go SDKs refuse: [mfa] links to its long-term keys with
    source_profile but has no role_arn; its session keys are in credentials."""
    ready(client)
    session = issue("session")
    aws.write(OLD_MFA_LAYOUT, LONG_TERM_KEYS + session_section("mfa", session))
    env = aws.environ | {"AWS_PROFILE": "dev"}
    if client in STRICT:
        with pytest.raises(clients.ClientFailed) as err:
            clients.whoami(client, env)
        assert GO_SOURCE_PROFILE_ERROR in err.value.stderr
        assert sts_calls(aws) == []
        return
    result = clients.whoami(client, env)
    assert result.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")
    # The role is assumed with [mfa]'s session, not the long-term keys.
    assert sts_calls(aws)[0] == ("AssumeRole", session["AccessKeyId"])


@ALL_CLIENTS
def test_an_unknown_key_for_the_link_is_read_by_every_sdk(client: str, aws: AwsEnv, issue) -> None:
    ready(client)
    session = issue("session")
    aws.write(NEW_MFA_LAYOUT, LONG_TERM_KEYS + session_section("mfa", session))
    result = clients.whoami(client, aws.environ | {"AWS_PROFILE": "dev"})
    assert result.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")
    assert sts_calls(aws)[0] == ("AssumeRole", session["AccessKeyId"])
    assert_shown_key(result, caller_key(aws))


@ALL_CLIENTS
def test_the_profile_is_validated_even_with_env_keys(client: str, aws: AwsEnv, issue) -> None:
    """Exported keys do not shield a strict reader from the profile AWS_PROFILE
    names: it loads and refuses it. The others use the keys (the JS SDK the
    profile)."""
    ready(client)
    session, creds = issue("session"), issue("exported")
    aws.write(OLD_MFA_LAYOUT, LONG_TERM_KEYS + session_section("mfa", session))
    env = aws.environ | env_keys(creds) | {"AWS_PROFILE": "dev"}
    if client in STRICT:
        with pytest.raises(clients.ClientFailed) as err:
            clients.whoami(client, env)
        assert GO_SOURCE_PROFILE_ERROR in err.value.stderr
        return
    arn = clients.whoami(client, env).identity["Arn"]
    if client == "node":
        assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/aws-sdk-js-")
    else:
        assert arn == assumed_role_arn("exported", "issued-exported")


# What each client does with a role that has its own mfa_serial and nothing to
# prompt on: none of them may hang, and only Ruby calls STS (without a code).
MFA_ROLE_FAILURES = {
    "node": "MfaPromptRequested: MFA prompt requested",
    "awscli": f"Enter MFA code for {conftest.MFA_SERIAL}",
    "go2": "assume role with MFA enabled, but AssumeRoleTokenProvider session option not set",
    "go1": "AssumeRoleTokenProviderNotSetError: assume role with MFA enabled",
    "ruby": "AccessDenied: MultiFactorAuthentication failed, unable to validate MFA code",
    "terraform": "assume role with MFA enabled, but AssumeRoleTokenProvider session option not set",
}


@ALL_CLIENTS
def test_a_role_with_mfa_serial_fails_without_a_terminal(client: str, aws: AwsEnv) -> None:
    ready(client)
    aws.standard()
    with pytest.raises(clients.ClientFailed) as err:
        clients.whoami(client, aws.environ | {"AWS_PROFILE": "dev"})
    assert MFA_ROLE_FAILURES[client] in err.value.stderr
    expected = [("AssumeRole", 403)] if client == "ruby" else []
    assert [(e["action"], e["status"]) for e in aws.sts.requests_log] == expected


@ALL_CLIENTS
def test_credential_process_profile(client: str, aws: AwsEnv, issue) -> None:
    ready(client)
    creds = issue("from-process")
    script, runs = aws.root / "creds.sh", aws.root / "runs"
    payload = json.dumps({"Version": 1, **creds})
    script.write_text(f"#!/bin/sh\necho run >>{runs}\ncat <<'EOF'\n{payload}\nEOF\n")
    script.chmod(0o755)
    aws.write(f"[profile proc]\ncredential_process = {script}\nregion = {REGION}\n", "")
    result = clients.whoami(client, aws.environ | {"AWS_PROFILE": "proc"})
    assert result.identity["Arn"] == assumed_role_arn("from-process", "issued-from-process")
    assert caller_key(aws) == creds["AccessKeyId"]
    assert_shown_key(result, creds["AccessKeyId"])
    assert runs.read_text().count("run") == PROCESS_RUNS.get(client, 1)


@ALL_CLIENTS
def test_a_profile_without_region(client: str, aws: AwsEnv) -> None:
    """The SDK programs fall back to us-east-1 (the Go SDKs would not sign
    without a region); the AWS CLI refuses, as a user would see it."""
    ready(client)
    aws.write(ROLE_OVER_KEYS.replace(f"region = {REGION}\n", ""), LONG_TERM_KEYS)
    env = aws.environ | {"AWS_PROFILE": "dev"}
    if client == "awscli":
        with pytest.raises(clients.ClientFailed, match="You must specify a region"):
            clients.whoami(client, env)
        return
    assert clients.whoami(client, env).identity["Account"] == ACCOUNT


# --------------------------------------------------------------------------
# the programs themselves, as a test running one under a terminal sees them


@pytest.mark.parametrize("client", ["go2", "go1", "ruby", "terraform"])
def test_sdk_programs_refuse_a_remote_endpoint(client: str, aws: AwsEnv) -> None:
    ready(client)
    env = clients.client_env(client, aws.environ)
    for endpoint in ("", "https://sts.amazonaws.com", "http://sts.amazonaws.com"):
        env["AWSENV_TEST_STS_ENDPOINT"] = endpoint
        proc = subprocess.run(
            clients.client_argv(client),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 2, proc.stderr
        assert "refusing to talk to real AWS" in proc.stderr
    assert sts_calls(aws) == []


@ALL_CLIENTS
@pytest.mark.parametrize("var", clients.ENDPOINT_VARS)
def test_the_harness_refuses_a_remote_endpoint(client: str, var: str, aws: AwsEnv) -> None:
    """Any endpoint variable a client might read must be local, not just the first."""
    ready(client)
    env = aws.environ | {"AWSENV_TEST_STS_ENDPOINT": aws.sts.endpoint}
    with pytest.raises(ValueError, match="never talks to real AWS"):
        clients.whoami(client, env | {var: "https://sts.amazonaws.com"})


@pytest.mark.parametrize("client", ["node", "awscli", "go2", "go1", "ruby"])
def test_client_argv_and_env_run_what_whoami_runs(client: str, aws: AwsEnv) -> None:
    ready(client)
    aws.write(ROLE_OVER_KEYS, LONG_TERM_KEYS)
    proc = subprocess.run(
        clients.client_argv(client, profile="dev"),
        env=clients.client_env(client, aws.environ),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/")


def test_client_env_needs_a_home(aws: AwsEnv) -> None:
    ready("go2")
    env = {k: v for k, v in aws.environ.items() if k != "HOME"}
    with pytest.raises(ValueError, match="HOME"):
        clients.client_env("go2", env)


def test_a_stale_go_client_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    ready("go2")
    monkeypatch.setattr(clients, "go_sources_sha256", lambda client: "0" * 64)
    problem = clients.available()["go2"]
    assert problem and "built from other sources" in problem
    with pytest.raises(clients.ClientUnavailable, match=re.escape(clients.INSTALL_COMMAND)):
        clients.client_argv("go2")


@ALL_CLIENTS
def test_credential_process_can_prompt_under_a_terminal(client: str, aws: AwsEnv, issue) -> None:
    """client_argv + client_env under a pseudo-terminal: each SDK runs its
    credential_process with the terminal still reachable, so a prompt on
    /dev/tty (as awsenv's MFA prompt) is answered there."""
    ready(client)
    creds = issue("prompted")
    script = aws.root / "prompting.sh"
    payload = json.dumps({"Version": 1, **creds})
    script.write_text(
        "#!/bin/sh\n"
        "printf 'Code for the test: ' >/dev/tty\n"
        "read -r code </dev/tty\n"
        f'[ "$code" = {conftest.CODE} ] || exit 3\n'
        f"cat <<'EOF'\n{payload}\nEOF\n"
    )
    script.chmod(0o755)
    aws.write(f"[profile proc]\ncredential_process = {script}\nregion = {REGION}\n", "")
    argv = clients.client_argv(client)
    env = clients.client_env(client, aws.environ | {"AWS_PROFILE": "proc"})
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=240)
    try:
        for _ in range(PROCESS_RUNS.get(client, 1)):
            child.expect(r"(?m)^Code for the test: ")
            child.sendline(conftest.CODE)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    output = child.before.replace("\r\n", "\n")
    identity = json.loads(output[output.index("{") :])
    assert identity["Arn"] == assumed_role_arn("prompted", "issued-prompted")
    assert caller_key(aws) == creds["AccessKeyId"]


def test_missing_terraform_or_mirror_is_unavailable(
    base_env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWSENV_TERRAFORM", str(tmp_path / "nope" / "terraform"))
    assert "terraform not found" in str(clients.available()["terraform"])
    with pytest.raises(clients.ClientUnavailable, match="terraform not found"):
        clients.whoami("terraform", base_env)
    monkeypatch.delenv("AWSENV_TERRAFORM")
    monkeypatch.setenv("AWSENV_TERRAFORM_MIRROR", str(tmp_path))
    problem = clients.available()["terraform"]
    if clients.terraform_path() is not None:
        assert problem and "no filesystem mirror holds" in problem
    assert "terraform" in clients.OPTIONAL_CLIENTS


@ALL_CLIENTS
def test_nothing_but_the_local_sts_is_contacted(client: str, aws: AwsEnv, tmp_path: Path) -> None:
    """Every connect() of the client and its children (terraform's provider, a
    role assumed by the SDK): loopback or a unix socket, never DNS or IMDS."""
    ready(client)
    conftest.require("strace")
    aws.write(ROLE_OVER_KEYS, LONG_TERM_KEYS)
    trace = tmp_path / "connects"
    argv = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace)]
    proc = subprocess.run(
        [*argv, *clients.client_argv(client)],
        env=clients.client_env(client, aws.environ | {"AWS_PROFILE": "dev"}),
        capture_output=True,
        text=True,
        timeout=clients.TERRAFORM_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    connects = trace.read_text()
    families = re.findall(r"sa_family=(AF_\w+)", connects)
    inet = re.findall(r"inet_(?:addr|pton)\((?:AF_INET6, )?\"([^\"]+)\"", connects)
    assert "AF_INET" in families  # the STS calls themselves were seen
    assert set(families) <= {"AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC"}, families
    assert inet and set(inet) <= {"127.0.0.1", "::1"}, inet
    assert len(inet) == families.count("AF_INET") + families.count("AF_INET6")

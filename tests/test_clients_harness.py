"""The real-client harness (tests/clients.py) works against a local STS (moto).

Proves that the AWS SDK for JavaScript v3 and the AWS CLI v1 resolve
credentials from exactly the env we hand them, and records where they differ:
the JS SDK prefers AWS_PROFILE over env keys, so a profile with mfa_serial
sends JS tools into an MFA prompt even when valid keys are exported.

Needs `bash tests/clients-setup.sh` first; fails (not skips) without it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

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
    missing = {k: v for k, v in clients.available().items() if v}
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
    assert clients.available() == {"node": None, "awscli": None}


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

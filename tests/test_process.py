"""`awsenv process PROFILE`: credential_process JSON, read by real SDKs and
the AWS CLI, from the same cache, lock and MFA session as the shells."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import clients
import pytest
from conftest import (
    ACCOUNT,
    AWSENV,
    CODE,
    STANDARD_CONFIG,
    STANDARD_CREDENTIALS,
    AwsEnv,
    botocore_session,
)

ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/"
# The standard layout, a code from a program, and a profile of its own for
# the tools: `AWS_PROFILE=dev-tools` gives them the role.
TOOLS = f"""
[profile dev-tools]
credential_process = {AWSENV} process dev
region = us-west-2
"""
WITH_MFA_PROCESS = STANDARD_CONFIG.replace(
    "[profile prod]", f"mfa_process = echo {CODE}\n\n[profile prod]"
)


def tools_layout(aws: AwsEnv, config: str = WITH_MFA_PROCESS) -> None:
    aws.write(config + TOOLS, STANDARD_CREDENTIALS)


def document(stdout: str) -> dict[str, object]:
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    return dict(json.loads(stdout))


def test_prints_credential_process_json_and_nothing_else(aws: AwsEnv) -> None:
    tools_layout(aws)
    result = aws.run("process", "dev")
    assert result.returncode == 0, result.stderr
    doc = document(result.stdout)
    assert set(doc) == {
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "AccountId",
    }
    assert doc["Version"] == 1
    assert doc["AccountId"] == ACCOUNT  # the role's, from its ARN
    assert str(doc["AccessKeyId"]).startswith("ASIA")
    assert str(doc["Expiration"]).endswith("Z")
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 1}
    for secret in (doc["SecretAccessKey"], doc["SessionToken"]):
        assert str(secret) not in result.stderr
    # The code, as a number of its own: the account id in the refresh line
    # (123456789012) holds the test's code (123456) but is another number.
    assert not re.search(rf"(?<![0-9]){CODE}(?![0-9])", result.stderr)
    assert f"in {ACCOUNT} " in result.stderr


def test_shares_the_cache_with_the_shells(aws: AwsEnv) -> None:
    tools_layout(aws, STANDARD_CONFIG)
    assert aws.run("prod", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    result = aws.run("process", "dev", "--no-prompt")  # the MFA session is shared
    assert result.returncode == 0, result.stderr
    assert aws.sts.successes == {"AssumeRole": 1}
    aws.sts.reset()
    again = aws.run("process", "dev")  # the memo: no STS, no code, same JSON
    assert again.returncode == 0, again.stderr
    assert again.stdout == result.stdout and aws.sts.calls == {}


def test_the_memo_is_not_served_once_the_files_change(aws: AwsEnv) -> None:
    tools_layout(aws)
    first = aws.run("process", "dev")
    assert first.returncode == 0, first.stderr
    aws.config.write_text(aws.config.read_text().replace("dev-tools", "dev-sdk"))
    aws.sts.reset()
    second = aws.run("process", "dev")
    assert second.returncode == 0 and second.stdout == first.stdout  # the cache still
    aws.config.write_text("")
    gone = aws.run("process", "dev")
    assert gone.returncode == 3 and gone.stdout == ""


def test_without_terminal_or_mfa_process_it_fails_in_one_line(aws: AwsEnv) -> None:
    tools_layout(aws, STANDARD_CONFIG)
    result = aws.run("process", "dev")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "mfa_process" in result.stderr


def test_a_loop_through_a_wrapper_script_stops_at_run_time(aws: AwsEnv) -> None:
    """The files cannot show this loop; the marker in the environment can."""
    wrapper = aws.root / "creds.sh"
    wrapper.write_text(f'#!/bin/sh\nexec "{AWSENV}" process loop\n')
    wrapper.chmod(0o755)
    aws.write(
        STANDARD_CONFIG + f"[profile loop]\ncredential_process = {wrapper}\n",
        STANDARD_CREDENTIALS,
    )
    result = aws.run("process", "loop", timeout=60)
    assert result.returncode != 0 and result.stdout == ""
    assert "already being resolved" in result.stderr
    assert "Traceback" not in result.stderr


def _clients_ready(name: str) -> None:
    problem = clients.available()[name]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"{name} is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)


def test_botocore_session_reaches_the_role(aws: AwsEnv) -> None:
    tools_layout(aws)
    with botocore_session(aws, "dev-tools") as session:
        client = session.create_client("sts", region_name="us-west-2")
        arn = client.get_caller_identity()["Arn"]
    assert arn.startswith(ROLE)
    assert aws.sts.successes["GetSessionToken"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["awscli", "node-default-chain", "node-fromProcess"])
def test_real_clients_read_credential_process_and_reach_the_role(aws: AwsEnv, reader: str) -> None:
    tools_layout(aws)
    env = {**aws.environ, "AWS_REGION": "us-west-2"}
    if reader == "awscli":
        _clients_ready("awscli")
        identity = clients.awscli_whoami({**env, "AWS_PROFILE": "dev-tools"})
    elif reader == "node-default-chain":
        _clients_ready("node")
        identity = clients.node_whoami({**env, "AWS_PROFILE": "dev-tools"})
    else:
        _clients_ready("node")
        identity = clients.node_whoami({**env, "AWSENV_TEST_FROM_PROCESS": "dev-tools"})
    assert identity["Arn"].startswith(ROLE)
    assert aws.sts.successes["GetSessionToken"] == 1


def test_eight_parallel_calls_from_a_cold_cache_make_one_get_session_token(
    aws: AwsEnv,
) -> None:
    """As terraform starts one provider per alias, all at once. Each code is
    accepted once, as by real STS: a second GetSessionToken would fail."""
    tools_layout(aws)
    aws.sts.one_use_codes = True

    def one(_: int) -> subprocess.CompletedProcess[str]:
        return aws.command([AWSENV, "process", "dev"])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    for result in results:
        assert result.returncode == 0, result.stderr
    assert len({document(r.stdout)["AccessKeyId"] for r in results}) == 1
    assert aws.sts.calls["GetSessionToken"] == 1
    assert aws.sts.calls["AssumeRole"] == 1


@pytest.mark.slow
def test_eight_parallel_aws_cli_calls_make_one_get_session_token(aws: AwsEnv) -> None:
    _clients_ready("awscli")
    tools_layout(aws)
    aws.sts.one_use_codes = True
    env = {**aws.environ, "AWS_PROFILE": "dev-tools", "AWS_REGION": "us-west-2"}
    with ThreadPoolExecutor(8) as pool:
        identities = list(pool.map(lambda _: clients.awscli_whoami(env), range(8)))
    assert all(i["Arn"].startswith(ROLE) for i in identities)
    assert aws.sts.calls["GetSessionToken"] == 1
    assert aws.sts.calls["AssumeRole"] == 1


def test_repeat_process_imports_nothing_heavy(aws: AwsEnv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SDK tools call it once per process: a cached call is served from its
    memo before argparse, configparser or botocore are imported."""
    from test_fast_path import probe

    tools_layout(aws)
    assert aws.run("process", "dev").returncode == 0
    aws.sts.reset()
    assert probe(aws, tmp_path / "p.json", "process", "dev") == {"code": 0, "loaded": []}
    assert aws.sts.calls == {}
    # The probe can fail: an option takes the full path.
    loaded = probe(aws, tmp_path / "q.json", "process", "-p", "dev")["loaded"]
    assert "argparse" in loaded


@pytest.mark.parametrize(
    "command",
    [
        # The same cache: the child waits on the lock its own parent holds.
        "env -u AWSENV_RESOLVING {awsenv} process loop",
        # A new cache each time, so no lock is shared: the depth counter.
        "env -u AWSENV_RESOLVING sh -c 'XDG_CACHE_HOME=$(mktemp -d -p {root}) exec {awsenv} "
        "process loop'",
    ],
    ids=["same-cache", "own-cache-each-time"],
)
def test_a_loop_through_a_wrapper_that_hides_the_marker_ends_quickly_in_one_line(
    aws: AwsEnv, command: str
) -> None:
    aws.write(
        STANDARD_CONFIG
        + f"[profile loop]\ncredential_process = {command.format(awsenv=AWSENV, root=aws.root)}\n",
        STANDARD_CREDENTIALS,
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [AWSENV, "process", "loop"],
        env=aws.environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=30)  # not the lock timeout (120 s), nor forever
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole loop, however deep
        proc.communicate()
        pytest.fail(f"still looping after {time.monotonic() - started:.0f} s")

    assert proc.returncode != 0 and out == ""
    assert len(err.splitlines()) == 1, err
    assert "loop" in err and "Traceback" not in err

"""`awsenv exec PROFILE --server -- COMMAND`: COMMAND reads its credentials from
a container-credentials endpoint that awsenv serves on loopback while it runs.

Read by the real SDKs (botocore's container provider, the JS SDK's default
chain); refused without this run's token; gone when COMMAND ends and when
awsenv is killed; and renewing through the cache for a job that outlives
several role sessions.

Time for the long job: real role sessions last 900 s at least, and libfaketime
cannot move the clocks of awsenv, COMMAND and the local STS together (each
process's fake clock starts at its own start). So the local STS issues role
sessions of a few seconds (`LocalSts.role_lifetime`, which also refuses a key
past its end as real STS would), awsenv's refresh margin is set to match, and
the job runs in real time through several sessions.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import clients
import pytest
from conftest import ACCOUNT, AWSENV, CODE, DEFAULT_KEY_ID, AwsEnv, besides_refresh

ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/"

# COMMAND for most tests: what botocore's default chain finds, and the
# variables COMMAND sees.
BOTO_CHILD = """\
import json, os, sys
import boto3
session = boto3.Session()
creds = session.get_credentials()
sts = session.client("sts")
print(json.dumps({
    "method": creds.method,
    "key": creds.get_frozen_credentials().access_key,
    "arn": sts.get_caller_identity()["Arn"],
    "env": {k: v for k, v in os.environ.items() if k.startswith(("AWS", "AWSENV"))},
}))
"""


def script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def fetch(url: str, token: str | None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(5)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_botocore_in_command_reads_the_endpoint_as_container_role(
    aws: AwsEnv, tmp_path: Path
) -> None:
    """The seed layout has long-term keys in [default]: COMMAND must not see
    them (or any AWS file), else botocore would take them before the endpoint."""
    aws.seed()
    child = script(tmp_path, "child.py", BOTO_CHILD)
    stale = {"AWS_PROFILE": "other", "AWS_DEFAULT_PROFILE": "other", "AWS_ACCESS_KEY_ID": "X"}
    result = aws.run(
        "exec", "dev", "--server", "--mfa-code", CODE, "--", sys.executable, child, env=stale
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["method"] == "container-role"
    assert seen["arn"].startswith(ROLE)
    assert seen["key"].startswith("ASIA") and seen["key"] != DEFAULT_KEY_ID
    env = seen["env"]
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert name not in env
    assert "AWS_PROFILE" not in env and "AWS_DEFAULT_PROFILE" not in env
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 22  # 128 bits in base64
    assert env["AWS_REGION"] == "eu-central-1" and env["AWSENV_EXEC"] == "dev"
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    # The cached role, the one every other path serves: no second AssumeRole.
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 1, "GetCallerIdentity": 1}
    assert besides_refresh(result.stderr) == ""  # no request log, no secret (a refresh is said)


@pytest.mark.slow
@pytest.mark.parametrize("client", ["node", "awscli", "go2", "go1"])
def test_real_sdks_default_chains_read_the_endpoint(aws: AwsEnv, client: str) -> None:
    """The JS SDK (fromNodeProviderChain), the AWS CLI, the Go SDKs v2 and v1,
    each with nothing but its default chain inside COMMAND. (Not Ruby: the
    aws-sdk-core of Debian 12, 3.168, reads only the relative-URI form of the
    protocol, ECS's own address; README says so.)"""
    problem = clients.available()[client]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"{client} is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    aws.seed()
    served = aws.run("process", "dev", "--mfa-code", CODE)
    assert served.returncode == 0, served.stderr
    env = clients.client_env(client, aws.environ)
    argv = clients.client_argv(client)
    result = aws.run("exec", "dev", "--server", "--", *argv, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["Arn"].startswith(ROLE)
    if "AccessKeyId" in seen:  # the key that signed the call: the cached role's
        assert seen["AccessKeyId"] == json.loads(served.stdout)["AccessKeyId"]
    assert "Multiple credential sources" not in result.stderr


def test_only_this_runs_token_is_answered_and_the_port_closes_with_command(
    aws: AwsEnv, tmp_path: Path
) -> None:
    aws.seed()
    saved = tmp_path / "first.json"
    keep = script(
        tmp_path,
        "keep.py",
        f"""\
        import json, os
        json.dump({{k: os.environ[k] for k in (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN")}},
            open({str(saved)!r}, "w"))
        """,
    )
    first = aws.run("exec", "dev", "--server", "--mfa-code", CODE, "--", sys.executable, keep)
    assert first.returncode == 0, first.stderr
    earlier = json.loads(saved.read_text())
    assert refused(port_of(earlier["AWS_CONTAINER_CREDENTIALS_FULL_URI"]))  # gone with COMMAND

    probe = script(
        tmp_path,
        "probe.py",
        f"""\
        import json, os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_exec_server import fetch
        url = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        answers = {{
            "none": fetch(url, None),
            "other run": fetch(url, {earlier["AWS_CONTAINER_AUTHORIZATION_TOKEN"]!r}),
            "prefix": fetch(url, token[:-1]),
            "empty": fetch(url, ""),
            "own": fetch(url, token),
            "own, elsewhere": fetch(url.rsplit("/", 1)[0] + "/other", token),
        }}
        print(json.dumps({{k: [s, sorted(b)] for k, (s, b) in answers.items()}}))
        """,
    )
    second = aws.run("exec", "dev", "--server", "--", sys.executable, probe)
    assert second.returncode == 0, second.stderr
    answers = json.loads(second.stdout)
    assert answers["none"] == [401, ["code", "message"]]
    assert answers["other run"] == [403, ["code", "message"]]
    assert answers["prefix"][0] == answers["empty"][0] == 403
    assert answers["own"] == [200, ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]]
    assert answers["own, elsewhere"][0] == 404
    assert besides_refresh(second.stderr) == ""


def test_killing_awsenv_closes_the_endpoint_and_ends_command(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    ready = tmp_path / "ready"
    line = (
        'printf "%s %s %s" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" '
        f'"$AWS_CONTAINER_AUTHORIZATION_TOKEN" "$$" > {ready}.tmp && mv {ready}.tmp {ready}; '
        "exec sleep 120"
    )
    proc = subprocess.Popen(
        [AWSENV, "exec", "dev", "--server", "--mfa-code", CODE, "--", "sh", "-c", line],
        env=aws.environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "COMMAND never started"
            time.sleep(0.05)
        url, token, pid = ready.read_text().split()
        assert fetch(url, token)[0] == 200
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert refused(port_of(url))
        deadline = time.monotonic() + 30
        while _alive(int(pid)):
            assert time.monotonic() < deadline, "COMMAND outlived awsenv"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_job_outlives_several_role_sessions_with_no_prompt_and_no_failed_call(
    aws: AwsEnv, tmp_path: Path
) -> None:
    aws.seed()
    # Short role sessions, as a role with duration_seconds = 900 (AssumeRole's
    # least) asks for; the local STS makes them 10 s so that 32 s hold several.
    # (A session of 30 minutes or less keeps the refresh margin, not the SDKs'
    # 15-minute window.)
    aws.config.write_text(
        aws.config.read_text().replace(
            "source_profile = mfa\nregion = eu-central-1\n",
            "source_profile = mfa\nregion = eu-central-1\nduration_seconds = 900\n",
            1,
        )
    )
    aws.sts.role_lifetime = 10
    job = script(
        tmp_path,
        "job.py",
        """\
        import json, time
        import boto3
        session = boto3.Session()
        sts = session.client("sts")
        keys, failures, calls = [], [], 0
        end = time.monotonic() + 32
        while time.monotonic() < end:
            calls += 1
            try:
                sts.get_caller_identity()
            except Exception as exc:
                failures.append(repr(exc))
            key = session.get_credentials().get_frozen_credentials().access_key
            if key not in keys:
                keys.append(key)
            time.sleep(0.25)
        print(json.dumps({"calls": calls, "failures": failures, "keys": keys}))
        """,
    )
    result = aws.run(
        "exec", "dev", "--server", "--mfa-code", CODE, "--", sys.executable, job,
        env={"AWSENV_REFRESH_MARGIN": "4"}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["failures"] == []
    assert seen["calls"] > 20
    assert len(seen["keys"]) >= 4  # one role session every 6 s or so, for 32 s
    assert aws.sts.successes["GetSessionToken"] == 1  # one code, at the start
    assert aws.sts.successes["AssumeRole"] == len(seen["keys"])
    refusals = [e for e in aws.sts.requests_log if e["status"] != 200]
    assert refusals == []
    assert besides_refresh(result.stderr) == ""


def test_long_term_keys_are_refused_before_command_starts(aws: AwsEnv) -> None:
    aws.seed()
    marker = aws.root / "started"
    result = aws.run("exec", "other", "--server", "--", "touch", str(marker))
    assert result.returncode == 2
    assert result.stderr == (
        "awsenv: --server serves temporary credentials, and 'other' has long-term keys; "
        "run awsenv exec other -- COMMAND\n"
    )
    assert not marker.exists()


def test_the_status_of_command_is_the_status(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("exec", "dev", "--server", "--mfa-code", CODE, "--", "sh", "-c", "exit 9")
    assert result.returncode == 9, result.stderr
    killed = aws.run("exec", "dev", "--server", "--", "sh", "-c", "kill -TERM $$")
    assert killed.returncode == 128 + signal.SIGTERM


def test_debug_output_across_renewals_holds_no_secret(aws: AwsEnv, tmp_path: Path) -> None:
    from test_secrets import assert_no_secret, secrets_of

    aws.seed()
    aws.sts.role_lifetime = 6
    job = script(
        tmp_path,
        "job.py",
        """\
        import os, time
        import boto3
        sts = boto3.Session().client("sts")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            sts.get_caller_identity()
            time.sleep(0.25)
        print(os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
        """,
    )
    result = aws.run(
        "exec", "dev", "--server", "--debug", "--mfa-code", CODE, "--", sys.executable, job,
        env={"AWSENV_REFRESH_MARGIN": "2"}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert aws.sts.successes["AssumeRole"] >= 2
    assert "AssumeRole" in result.stderr  # the renewals are in the debug output
    assert_no_secret(result.stderr, [*secrets_of(aws), result.stdout.strip()])

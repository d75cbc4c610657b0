"""`awsenv exec PROFILE` with no COMMAND: the person's $SHELL, in place of
awsenv, with the credentials; its status is the status; inside it
AWSENV_EXEC=PROFILE, and a nested `awsenv exec` says so."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pexpect
from conftest import AWSENV, CODE, AwsEnv, require


def test_a_real_bash_in_a_pty_gets_the_credentials_and_its_status_is_the_status(
    aws: AwsEnv,
) -> None:
    require("bash")
    aws.seed()
    env = {**aws.environ, "SHELL": shutil.which("bash") or "bash", "TERM": "dumb"}
    child = pexpect.spawn(
        AWSENV, ["exec", "dev", "--mfa-code", CODE], env=env, encoding="utf-8", timeout=60
    )
    # Outputs, not prompts (the system's bashrc sets its own): `$((…))` is
    # only computed by the shell, never echoed as typed.
    child.sendline('echo "[$AWSENV_EXEC|$AWS_REGION|${AWS_SESSION_TOKEN:+token}|$$|$((2+3))]"')
    child.expect(r"\[dev\|eu-central-1\|token\|(\d+)\|5\]")
    assert int(child.match.group(1)) == child.pid  # bash is awsenv's process: no awsenv waits
    child.sendline(f"{AWSENV} exec prod -- sh -c 'echo inner=$AWSENV_EXEC-$((1+1))'")
    child.expect(
        r"awsenv: nested: this runs inside `awsenv exec dev` \(AWSENV_EXEC=dev\); "
        r"COMMAND gets prod's credentials\r?\n"
    )
    child.expect("inner=prod-2")
    child.sendline("exit 5")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 5
    assert aws.sts.successes == {"GetSessionToken": 1, "AssumeRole": 2}


def test_without_shell_it_is_the_systems_sh(aws: AwsEnv) -> None:
    aws.seed()
    env = {**aws.environ, "SHELL": ""}
    proc = subprocess.run(
        [AWSENV, "exec", "dev", "--mfa-code", CODE],
        env=env,
        input='echo "$AWSENV_EXEC $AWS_REGION"; exit 3\n',
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "dev eu-central-1\n"


def test_a_shell_beside_the_endpoint(aws: AwsEnv) -> None:
    """`awsenv exec dev --server`: the shell's SDKs ask the endpoint; the
    shell's exit ends both, with its status."""
    require("bash")
    aws.seed()
    env = {**aws.environ, "SHELL": shutil.which("bash") or "bash", "TERM": "dumb"}
    child = pexpect.spawn(
        AWSENV, ["exec", "dev", "--server", "--mfa-code", CODE], env=env, encoding="utf-8",
        timeout=60,
    )  # fmt: skip
    method = "import boto3; print('method=' + boto3.Session().get_credentials().method)"
    child.sendline(f'{sys.executable} -c "{method}"; echo "keys=${{AWS_ACCESS_KEY_ID:-none}}"')
    child.expect("method=container-role")
    child.expect("keys=none")
    child.sendline("exit 4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4

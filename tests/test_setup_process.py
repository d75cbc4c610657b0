"""`awsenv setup --process`: a `NAME-process` profile that works where PATH is
short (a GUI app, a launch agent) and for the AWS CLI without `--region`: it
runs this awsenv by absolute path and names the role's region (issue 15
item 8; issue 18 item 1, the wizard's profiles, is pinned in test_setup.py)."""

from __future__ import annotations

import os
import shlex
import shutil

import clients
import pytest
from conftest import ACCOUNT, AWSENV, CODE, MFA_SERIAL, AwsEnv

ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops"
SHORT_PATH = "/usr/bin:/bin"


def setup(aws: AwsEnv, *flags: str) -> str:
    result = aws.run(
        "setup", "--source", "default", "--mfa-serial", MFA_SERIAL, "--role", f"ops={ROLE}",
        "--process", "--yes", "--shell", "bash", *flags,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return aws.config.read_text()


@pytest.mark.parametrize(
    ("flags", "region"),
    [((), "eu-west-1"), (("--region", "eu-west-2"), "eu-west-2")],
    ids=["inherited-from-default", "given"],
)
def test_the_process_profile_runs_this_awsenv_by_path_in_the_roles_region(
    aws: AwsEnv, flags: tuple[str, ...], region: str
) -> None:
    """Without --region the role exports [default]'s region (eu-west-1 in the
    seed, through its session profile's keys): the process profile names it."""
    aws.seed()
    config = setup(aws, *flags)
    assert (
        f"[profile ops-process]\ncredential_process = {shlex.quote(AWSENV)} process ops\n"
        f"region = {region}\n"
    ) in config
    exported = aws.run("ops", "--shell", "bash", "--mfa-code", CODE)
    assert f"export AWS_REGION='{region}'" in exported.stdout


@pytest.mark.slow
def test_the_aws_cli_with_a_short_path_and_no_region_reaches_the_role(aws: AwsEnv) -> None:
    problem = clients.available()["awscli"]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"awscli is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    aws.seed()
    setup(aws)
    # A code typed once in a shell; the CLI's credential_process has no terminal.
    assert aws.run("ops", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert shutil.which("awsenv", path=SHORT_PATH) is None  # only the absolute path finds it
    env = {k: v for k, v in aws.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["PATH"] = SHORT_PATH
    identity = clients.whoami("awscli", env, profile="ops-process")
    assert identity.identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/")
    # Without the region line, the same call is the CLI's "You must specify a region".
    aws.config.write_text(aws.config.read_text().replace("region = eu-west-1\n", ""))
    with pytest.raises(clients.ClientFailed, match="must specify a region"):
        clients.whoami("awscli", env, profile="ops-process")

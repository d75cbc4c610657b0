"""Real AWS clients consume what awsenv leaves behind: the AWS CLI (botocore)
and the AWS SDK for JavaScript v3, which prefers AWS_PROFILE over env keys."""

from __future__ import annotations

import os

import clients
import pytest
from conftest import ACCOUNT, CODE, AwsEnv
from realshells import evaluate

from awsenv.core.exports import MANAGED

pytestmark = pytest.mark.slow

READERS = {"awscli": clients.awscli_whoami, "node": clients.node_whoami}


@pytest.fixture(params=sorted(READERS))
def reader(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    problem = clients.available()[request.param]
    if problem:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"{request.param} is required (AWSENV_REQUIRE_CLIENTS): {problem}")
        pytest.skip(problem)
    return READERS[request.param]


def exported(aws: AwsEnv, tmp_path, profile: str) -> dict[str, str]:
    result = aws.run(profile, "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    shell = evaluate("bash", result.stdout, list(MANAGED), tmp_path)
    assert shell.returncode == 0, shell.stderr
    return shell.variables


def role_arn_prefix(role: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/"


def test_seed_layout_exported_environment(aws: AwsEnv, tmp_path, reader) -> None:
    aws.seed()
    env = {**aws.environ, **exported(aws, tmp_path, "dev")}
    assert env["AWS_PROFILE"] == "dev"
    assert reader(env)["Arn"].startswith(role_arn_prefix("dev"))


def test_seed_layout_aws_profile_alone_after_awsenv(aws: AwsEnv, tmp_path, reader) -> None:
    """How pulumi and terraform use it: only AWS_PROFILE, the files do the rest."""
    aws.seed()
    exported(aws, tmp_path, "dev")
    aws.sts.reset()
    identity = reader({**aws.environ, "AWS_PROFILE": "dev"})
    assert identity["Arn"].startswith(role_arn_prefix("dev"))
    # The client assumed the role itself, with the [mfa] session awsenv wrote.
    assert aws.sts.successes["AssumeRole"] == 1
    assert aws.sts.successes["GetSessionToken"] == 0


def test_standard_layout_exported_environment_needs_no_prompt(
    aws: AwsEnv, tmp_path, reader
) -> None:
    aws.standard()
    env = {**aws.environ, **exported(aws, tmp_path, "prod")}
    assert "AWS_PROFILE" not in env
    assert reader(env)["Arn"].startswith(role_arn_prefix("prod"))

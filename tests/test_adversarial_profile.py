"""A profile name full of shell syntax round-trips exactly through every shell,
and nothing in it runs."""

from __future__ import annotations

import pytest
from conftest import ACCOUNT, CODE, MFA_SERIAL, STANDARD_CREDENTIALS, AwsEnv, require
from realshells import COMMANDS, evaluate

from awsenv.exports import MANAGED

# Quotes of every kind, substitutions, a backslash (also at the end, which
# breaks POSIX quoting fed to fish) and the curly quote PowerShell honours.
NAME = 'we\'ird $(touch PWNED) `touch PWNED` "x" ’q‘ ; touch PWNED \\ end\\'


def write_profiles(aws: AwsEnv) -> None:
    aws.write(
        f"""[profile {NAME}]
role_arn = arn:aws:iam::{ACCOUNT}:role/dev
source_profile = default
mfa_serial = {MFA_SERIAL}
region = eu-west-3
""",
        STANDARD_CREDENTIALS,
    )


@pytest.mark.parametrize("shell", sorted(COMMANDS))
def test_adversarial_profile_name_round_trips(aws: AwsEnv, tmp_path, shell: str) -> None:
    require(COMMANDS[shell][0])
    write_profiles(aws)
    result = aws.run(NAME, "--shell", shell, "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    env = evaluate(shell, result.stdout, list(MANAGED), tmp_path)
    assert env.returncode == 0, env.stderr
    assert env.stderr == ""
    assert env.variables["AWSENV_PROFILE"] == NAME
    assert env.variables["AWS_REGION"] == "eu-west-3"
    assert not (tmp_path / "PWNED").exists()
    assert not (aws.root / "PWNED").exists()


# The most hostile name botocore can still address (it shlex-splits section
# names, so no quotes, backslashes or spaces): AWS_PROFILE must carry it.
BOTOCORE_NAME = "dev$(touch${IFS}PWNED)`touch${IFS}PWNED`;’‘‚‛|&*?[x]{a,b}~!!$HOME"


@pytest.mark.parametrize("shell", sorted(COMMANDS))
def test_session_profile_name_round_trips_as_aws_profile(aws: AwsEnv, tmp_path, shell) -> None:
    require(COMMANDS[shell][0])
    aws.write(
        f"[profile {BOTOCORE_NAME}]\nsource_profile = default\nmfa_serial = {MFA_SERIAL}\n",
        STANDARD_CREDENTIALS,
    )
    result = aws.run(BOTOCORE_NAME, "--shell", shell, "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert f"\n[{BOTOCORE_NAME}]\n" in aws.credentials.read_text()
    env = evaluate(shell, result.stdout, list(MANAGED), tmp_path)
    assert env.returncode == 0 and env.stderr == ""
    assert env.variables["AWS_PROFILE"] == BOTOCORE_NAME
    assert env.variables["AWSENV_PROFILE"] == BOTOCORE_NAME
    assert not (tmp_path / "PWNED").exists()


def test_name_botocore_cannot_address_is_not_put_in_aws_profile(aws: AwsEnv, tmp_path) -> None:
    aws.write(
        f"[profile {NAME}]\nsource_profile = default\nmfa_serial = {MFA_SERIAL}\n",
        STANDARD_CREDENTIALS,
    )
    result = aws.run(NAME, "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert f"\n[{NAME}]\n" in aws.credentials.read_text()
    env = evaluate("bash", result.stdout, list(MANAGED), tmp_path).variables
    assert "AWS_PROFILE" not in env
    assert env["AWSENV_PROFILE"] == NAME
    assert "botocore-based tools cannot address" in result.stderr

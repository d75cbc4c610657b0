"""A profile name full of shell syntax round-trips exactly through every shell,
and nothing in it runs."""

from __future__ import annotations

import shlex

import pytest
from conftest import ACCOUNT, CODE, MFA_SERIAL, STANDARD_CREDENTIALS, AwsEnv, require
from realshells import COMMANDS, evaluate

from awsenv.core.exports import MANAGED

# Quotes of every kind, substitutions, a backslash (also at the end, which
# breaks POSIX quoting fed to fish) and the curly quote PowerShell honours.
NAME = 'we\'ird $(touch PWNED) `touch PWNED` "x" ’q‘ ; touch PWNED \\ end\\'
# botocore shlex-splits config section names, and so does awsenv: a name like
# that is written quoted, as the AWS CLI's own `configure` would need it.
SECTION = f"profile {shlex.quote(NAME)}"


def write_profiles(aws: AwsEnv) -> None:
    aws.write(
        f"""[{SECTION}]
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
        f"[profile {BOTOCORE_NAME}]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n",
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


def test_quoted_name_is_put_in_aws_profile_and_botocore_finds_it(aws: AwsEnv, tmp_path) -> None:
    aws.write(
        f"[{SECTION}]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n",
        STANDARD_CREDENTIALS,
    )
    result = aws.run(NAME, "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert f"\n[{NAME}]\n" in aws.credentials.read_text()
    env = evaluate("bash", result.stdout, list(MANAGED), tmp_path).variables
    assert env["AWS_PROFILE"] == env["AWSENV_PROFILE"] == NAME
    # And botocore, given only that AWS_PROFILE and the files, reaches the session.
    from conftest import botocore_session

    with botocore_session(aws, NAME) as session:
        resolved = session.get_credentials().get_frozen_credentials()
    assert resolved.access_key == env["AWS_ACCESS_KEY_ID"]


def test_adversarial_profile_name_in_powershell_output(aws: AwsEnv) -> None:
    from pwsh_grammar import parse_errors, read_exports

    write_profiles(aws)
    result = aws.run(NAME, "--shell", "pwsh", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert parse_errors(result.stdout) == []
    assigned = dict(read_exports(result.stdout)[0])
    assert assigned["AWSENV_PROFILE"] == NAME
    assert assigned["AWS_REGION"] == "eu-west-3"


def test_fish_universal_variables_are_never_erased(aws: AwsEnv, tmp_path) -> None:
    """set -U is fish's setx: the person's own, and it survives awsenv."""
    import subprocess

    require("fish")
    aws.standard()
    env = {**aws.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}

    def fish(script: str) -> subprocess.CompletedProcess[str]:
        # With its config, unlike realshells, so that universal variables load.
        return subprocess.run(
            ["fish", "-c", script], env=env, capture_output=True, text=True, timeout=60
        )

    fish("set -Ux AWS_PROFILE mine; set -Ux AWS_REGION us-east-2")
    code = aws.run("dev", "--shell", "fish", "--mfa-code", CODE).stdout
    (tmp_path / "out.fish").write_text(code)
    used = fish(f"source {tmp_path}/out.fish; echo region=$AWS_REGION")
    assert used.returncode == 0
    assert "region=us-west-2" in used.stdout  # the export shadows it for this shell
    assert "fish still has a universal AWS_PROFILE, which awsenv leaves alone" in used.stderr
    later = fish("echo $AWS_PROFILE $AWS_REGION")
    assert later.stdout.strip() == "mine us-east-2"

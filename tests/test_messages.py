"""Messages that name the problem: unknown options by name (never a code), and
the AWS_PROFILE notice, short, accurate and said once per profile per MFA session."""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CODE, MFA_SERIAL, STANDARD_CREDENTIALS, AwsEnv, require

from awsenv.core.notices import README_SECTION

README = Path(__file__).resolve().parent.parent / "README.md"


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("dev --bogus", "unknown option --bogus (see awsenv --help)"),
        ("--debugg dev", "unknown option --debugg; did you mean --debug? (see awsenv --help)"),
        ("dev --refesh", "unknown option --refesh; did you mean --refresh? (see awsenv --help)"),
        ("-x", "unknown option -x (see awsenv --help)"),
        ("unset --shel1 bash", "unknown option --shel1; did you mean --shell? (see awsenv --help)"),
        ("init bash --bogus", "unknown option --bogus (see awsenv --help)"),
    ],
)
def test_unknown_option_is_named_with_the_closest_valid_one(
    aws: AwsEnv, argv: str, message: str
) -> None:
    aws.seed()
    result = aws.run(*argv.split())
    assert (result.returncode, result.stdout) == (2, "")
    assert one_line(result.stderr) == f"awsenv: {message}"


@pytest.mark.parametrize(
    "argv",
    [
        ["dev", "654321"],
        ["dev", "--bogus=654321"],
        ["dev", "-z654321"],
        ["dev", "--654321"],
        ["dev", "--shell", "bash", "654321", "--bogus"],
    ],
)
def test_positional_arguments_and_option_values_are_never_echoed(
    aws: AwsEnv, argv: list[str]
) -> None:
    aws.seed()
    result = aws.run(*argv)
    assert (result.returncode, result.stdout) == (2, "")
    assert "654321" not in one_line(result.stderr)


# --- the AWS_PROFILE notice ----------------------------------------------------------

ODD_NAME = "a name with spaces, quotes (') and long too, that botocore reads when quoted"
NOT_SET = "awsenv: AWS_PROFILE not set: other tools would ask for an MFA code (README: AWS_PROFILE)"


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "AWS_PROFILE" in line]


def test_aws_profile_notice_is_said_once_per_profile_per_mfa_session(aws: AwsEnv) -> None:
    aws.standard()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert notices(first.stderr) == [NOT_SET]
    # A refresh of the role over the same MFA session: nothing new to say.
    refreshed = aws.run("dev", "--shell", "bash", "--refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert aws.sts.successes["AssumeRole"] == 2
    assert notices(refreshed.stderr) == []
    # Another profile is told once too.
    other = aws.run("prod", "--shell", "bash")
    assert notices(other.stderr) == [NOT_SET]
    assert notices(aws.run("prod", "--shell", "bash", "--refresh").stderr) == []
    # A new MFA session (the old one gone, a new code): said again.
    for entry in (aws.cache / "creds").iterdir():
        entry.unlink()
    time.sleep(1.1)  # the session is named by its expiry, in whole seconds
    renewed = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert aws.sts.successes["GetSessionToken"] == 2
    assert notices(renewed.stderr) == [NOT_SET]


def test_aws_profile_notice_says_removed_when_one_was_set(aws: AwsEnv) -> None:
    aws.standard()
    quiet = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert notices(quiet.stderr) == [NOT_SET]
    # Removing the person's own AWS_PROFILE is said whenever it happens.
    for _ in range(2):
        result = aws.run("dev", "--shell", "bash", "--refresh", env={"AWS_PROFILE": "mine"})
        assert result.returncode == 0, result.stderr
        assert "unset " in result.stdout and " AWS_PROFILE" in result.stdout
        assert notices(result.stderr) == [NOT_SET.replace("not set", "removed")]


@pytest.mark.parametrize(
    ("config", "profile"),
    [
        # A role with its own mfa_serial (the standard layout).
        (None, "dev"),
        # Long-term keys with their own mfa_serial.
        (f"[default]\nmfa_serial = {MFA_SERIAL}\n", "default"),
        # A role with a long, quoted name: the notice does not grow with it.
        (
            f"[profile {shlex.quote(ODD_NAME)}]\nrole_arn = arn:aws:iam::1:role/x\n"
            f"source_profile = default\nmfa_serial = {MFA_SERIAL}\n",
            ODD_NAME,
        ),
    ],
)
def test_aws_profile_notice_is_one_short_line_naming_a_readme_section(
    aws: AwsEnv, config: str | None, profile: str
) -> None:
    if config is None:
        aws.standard()
    else:
        aws.write(config, STANDARD_CREDENTIALS)
    for removed in ({}, {"AWS_PROFILE": "mine"}):
        result = aws.run(profile, "--shell", "bash", "--mfa-code", CODE, env=removed)
        assert result.returncode == 0, result.stderr
        (line,) = notices(result.stderr)
        assert len(line) <= 100, line
        assert line.endswith(f"({README_SECTION})")
    section = README_SECTION.removeprefix("README: ")
    assert re.search(rf"(?m)^#+ {re.escape(section)}$", README.read_text())


def test_fish_universal_notice_follows_the_aws_profile_notice(aws: AwsEnv, tmp_path: Path) -> None:
    require("fish")
    aws.standard()
    env = {**aws.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}

    def fish(script: str) -> subprocess.CompletedProcess[str]:
        # With its config, so that universal variables load.
        return subprocess.run(
            ["fish", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    fish("set -U AWS_PROFILE mine")  # universal, not exported: awsenv does not see it
    export = aws.run("dev", "--shell", "fish", "--mfa-code", CODE)
    (tmp_path / "out.fish").write_text(export.stdout)
    used = fish(f"source {tmp_path}/out.fish; echo profile=$AWS_PROFILE")
    assert notices(export.stderr) == [NOT_SET]
    assert notices(used.stderr) == [
        "awsenv: fish still has a universal AWS_PROFILE, which awsenv leaves alone "
        "(set -eU AWS_PROFILE)"
    ]
    assert used.stdout == "profile=mine\n"

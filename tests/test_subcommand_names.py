"""A profile named like a subcommand stays reachable with `-p NAME`."""

from __future__ import annotations

import pytest
from conftest import SEED_CONFIG, SEED_CREDENTIALS, AwsEnv

from awsenv.commandline import NAMES, PASSTHROUGH


@pytest.mark.parametrize("name", sorted(NAMES))
def test_profile_named_like_a_subcommand_is_reachable_with_p(aws: AwsEnv, name: str) -> None:
    keys = SEED_CREDENTIALS.split("[other]")[1]
    aws.write(SEED_CONFIG, SEED_CREDENTIALS + f"\n[{name}]{keys}")
    result = aws.run("-p", name, "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert "export AWS_ACCESS_KEY_ID='AKIAEXAMPLEOTHER0001'" in result.stdout
    assert f"export AWSENV_PROFILE='{name}'" in result.stdout
    also = aws.run("process", "-p", name)
    assert also.returncode == 0 and '"AccessKeyId": "AKIAEXAMPLEOTHER0001"' in also.stdout


def test_process_and_exec_are_subcommands_the_wrappers_run_as_they_are() -> None:
    assert {"process", "exec"} <= NAMES
    assert {"process", "exec"} <= set(PASSTHROUGH)

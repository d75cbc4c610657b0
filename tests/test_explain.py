"""`awsenv explain`: how a profile resolves, with its findings, and never a
secret, for every layout in the tests; and every new subcommand passes
straight through the init wrappers with its exit status."""

from __future__ import annotations

import re

import pytest
from conftest import (
    CODE,
    DEFAULT_SECRET,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    STANDARD_CONFIG,
    STANDARD_CREDENTIALS,
    AwsEnv,
    require,
)
from test_adversarial_profile import NAME, SECTION
from test_completion import spawn

LAYOUTS = {
    "seed": (SEED_CONFIG, SEED_CREDENTIALS),
    "standard": (STANDARD_CONFIG, STANDARD_CREDENTIALS),
    "adversarial": (
        SEED_CONFIG + f"\n[{SECTION}]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
        "source_profile = mfa\n",
        SEED_CREDENTIALS,
    ),
}


def exported_secrets(code: str) -> dict[str, str]:
    return dict(re.findall(r"^export (AWS_[A-Z_]+)='([^']*)'$", code, re.M))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_explain_shows_no_secret_for_any_profile(aws: AwsEnv, layout: str) -> None:
    aws.write(*LAYOUTS[layout])
    names = aws.run("list", "--names").stdout.splitlines()
    exported = exported_secrets(aws.run("dev", "--mfa-code", CODE, "--shell", "bash").stdout)
    # (The MFA code is not listed: 123456 is part of the account ID.)
    secrets = [DEFAULT_SECRET, "otherSecretKey00000000000000000000000001"]
    secrets += [exported["AWS_SECRET_ACCESS_KEY"], exported["AWS_SESSION_TOKEN"]]
    # The shell holds the exported keys too: explain compares, never shows.
    for name in names:
        result = aws.run("explain", name, env={**exported, "AWS_SECURITY_TOKEN": "stale-token-x"})
        assert result.returncode == 0, (name, result.stderr)
        for secret in [*secrets, "stale-token-x"]:
            assert secret not in result.stdout + result.stderr, (name, secret)


def test_explain_tells_the_chain_the_device_and_why_a_code_is_needed(aws: AwsEnv) -> None:
    aws.seed()
    text = aws.run("explain", "dev").stdout
    assert (
        f"AssumeRole arn:aws:iam::123456789012:role/dev (role_arn from {aws.config} [profile dev])"
        in text
    )
    assert f"MFA device arn:aws:iam::123456789012:mfa/alice ({aws.config} [profile mfa])" in text
    assert f"long-term keys ({aws.credentials} [default])" in text
    assert (
        "next call: asks for an MFA code for arn:aws:iam::123456789012:mfa/alice "
        "(MFA session of mfa: none cached)" in text
    )
    assert f"region: eu-central-1 (from {aws.config} [profile dev])" in text
    assert "export: sets AWS_PROFILE=dev" in text
    aws.run("dev", "--mfa-code", CODE, "--shell", "bash")
    assert "next call: no MFA code (cached until " in aws.run("explain", "dev").stdout


def test_explain_findings_each_end_with_a_fix(aws: AwsEnv) -> None:
    aws.seed()
    aws.credentials.chmod(0o644)
    fish = aws.home / ".config" / "fish"
    fish.mkdir(parents=True)
    (fish / "fish_variables").write_text("# fish\nSETUVAR --export AWS_PROFILE:dev\n")
    result = aws.run("explain", "dev", env={"AWS_SESSION_TOKEN": "old-token"})
    findings = [line for line in result.stdout.splitlines() if line.startswith("finding: ")]
    assert any("readable by" in f and "chmod 600" in f for f in findings)
    assert any("AWS_SESSION_TOKEN" in f and "awsenv unset" in f for f in findings)
    assert any("not loaded" in f and "awsenv init" in f for f in findings)
    assert any("universal AWS_PROFILE" in f and "set -eU AWS_PROFILE" in f for f in findings)
    assert "old-token" not in result.stdout


def test_explain_check_sts_measures_the_clock(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("explain", "dev", "--check-sts", wrapper=["faketime", "-f", "+2h"])
    require("faketime")
    assert "clock: the local clock is 2 h 0 min ahead of STS" in result.stdout
    assert (
        "finding: the local clock is 2 h 0 min ahead of STS; fix: set the clock right"
        in result.stdout
    )
    plain = aws.run("explain", "dev").stdout
    assert "clock:" not in plain  # no call without --check-sts


def test_explain_of_an_unknown_profile_is_one_line_and_no_stdout(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("explain", "nope")
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_wrappers_pass_the_new_subcommands_through_with_their_status(
    aws: AwsEnv, shell: str
) -> None:
    aws.seed()
    child = spawn(aws, shell)
    status = "$status" if shell == "fish" else "$?"
    try:
        child.sendline(f"awsenv list --names; echo RC={status}")
        child.expect(r"mfa\r\nother\r\nprod\r\nRC=0")
        child.sendline(f"awsenv explain nope; echo RC={status}")
        child.expect(r"unknown profile 'nope'.*\r\nRC=3", timeout=30)
        child.sendline(f"awsenv explain dev; echo RC={status}")
        child.expect(f"shell integration: loaded \\({shell}[,)]")
        child.expect("RC=0")
        child.sendline(f"awsenv console mfa --print; echo RC={status}")
        child.expect("RC=3")
        child.sendline(f"awsenv setup --bogus; echo RC={status}")
        child.expect("RC=2")
    finally:
        child.close(force=True)


def test_the_adversarial_name_is_explained_as_it_is(aws: AwsEnv) -> None:
    aws.write(*LAYOUTS["adversarial"])
    result = aws.run("explain", NAME)
    assert result.returncode == 0, result.stderr
    assert f"profile {NAME}:" in result.stdout
    assert not (aws.root / "PWNED").exists()


def test_the_region_line_says_what_the_export_does(aws: AwsEnv, tmp_path) -> None:
    """`other` has no region anywhere in its chain: the export removes the
    shell's region variables, and explain says so rather than "left as it is"."""
    from realshells import evaluate

    aws.seed()
    text = aws.run("explain", "other").stdout
    assert (
        "region: none in the profile or its sources; "
        "the export removes AWS_REGION and AWS_DEFAULT_REGION\n"
    ) in text
    exported = aws.run("other", "--shell", "bash").stdout
    preset = {"AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "us-east-2"}
    shell = evaluate("bash", exported, list(preset), tmp_path, preset)
    assert shell.returncode == 0 and shell.variables == {}


def test_legacy_credential_names_in_the_shell_are_a_finding(aws: AwsEnv) -> None:
    aws.seed()
    stale = {"AWS_SECRET_KEY": "stale-secret-x", "AMAZON_SESSION_TOKEN": "stale-token-y"}
    result = aws.run("explain", "dev", env=stale)
    assert result.returncode == 0, result.stderr
    assert (
        "finding: this shell holds AWS_SECRET_KEY and AMAZON_SESSION_TOKEN, legacy names some "
        "SDKs read keys from (the Java SDK v1 prefers AWS_SECRET_KEY to AWS_SECRET_ACCESS_KEY); "
        "fix: run `awsenv unset` (every export removes them too)\n"
    ) in result.stdout
    assert "stale-secret-x" not in result.stdout and "stale-token-y" not in result.stdout


def test_explain_labels_what_the_export_sets_apart_from_this_shell(aws: AwsEnv) -> None:
    """Two different facts about AWS_PROFILE: what the export would set, and
    what this shell holds now. One line each, told apart by their labels."""
    aws.seed()
    text = aws.run("explain", "dev", env={"AWS_PROFILE": "prod"}).stdout
    lines = text.splitlines()
    assert "export: sets AWS_PROFILE=dev" in lines
    assert "AWS_PROFILE: 'prod' in this shell" in lines
    assert [line for line in lines if line.startswith("AWS_PROFILE")] == [
        "AWS_PROFILE: 'prod' in this shell"
    ]
    text = aws.run("explain", "dev").stdout
    assert "AWS_PROFILE: not set in this shell" in text.splitlines()

"""The session profile as earlier versions wrote it (`source_profile` without
`role_arn`, which the Go SDK refuses): it keeps working, the export never names
it in AWS_PROFILE and says once how to fix it, `explain` finds it, and
`awsenv setup` moves it into the form every SDK reads, with consent."""

from __future__ import annotations

import pexpect
from conftest import (
    AWSENV,
    CODE,
    LEGACY_SEED_CONFIG,
    MFA_SERIAL,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    AwsEnv,
)
from realshells import evaluate

from awsenv.core.exports import MANAGED

FIX = "awsenv setup --session mfa"


def exported(aws: AwsEnv, tmp_path, *args: str) -> tuple[dict[str, str], str]:
    result = aws.run("dev", "--shell", "bash", *args)
    assert result.returncode == 0, result.stderr
    shell = evaluate("bash", result.stdout, list(MANAGED), tmp_path)
    assert shell.returncode == 0, shell.stderr
    return shell.variables, result.stderr


def test_old_form_still_exports_the_role_but_withholds_aws_profile(aws: AwsEnv, tmp_path) -> None:
    aws.legacy_seed()
    env, stderr = exported(aws, tmp_path, "--mfa-code", CODE)
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "AWS_PROFILE" not in env
    assert env["AWSENV_PROFILE"] == "dev"
    lines = stderr.splitlines()
    said = [line for line in lines if "AWS_PROFILE" in line]
    assert said == [f"awsenv: AWS_PROFILE not set: Go SDKs refuse profile mfa; fix: {FIX}"]
    assert all(len(line) <= 100 for line in said)
    # Once per MFA session: a repeat call (served from the cache) says nothing.
    _again, stderr = exported(aws, tmp_path)
    assert "AWS_PROFILE" not in stderr


def test_old_form_removes_an_aws_profile_the_shell_had(aws: AwsEnv, tmp_path) -> None:
    aws.legacy_seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env={"AWS_PROFILE": "dev"})
    assert result.returncode == 0, result.stderr
    shell = evaluate("bash", result.stdout, list(MANAGED), tmp_path, {"AWS_PROFILE": "dev"})
    assert shell.returncode == 0, shell.stderr
    assert "AWS_PROFILE" not in shell.variables
    assert f"AWS_PROFILE removed: Go SDKs refuse profile mfa; fix: {FIX}" in result.stderr


def test_new_form_exports_aws_profile(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    env, stderr = exported(aws, tmp_path, "--mfa-code", CODE)
    assert env["AWS_PROFILE"] == "dev"
    assert "Go SDK" not in stderr


def test_explain_finds_the_old_form_with_its_fix(aws: AwsEnv) -> None:
    aws.legacy_seed()
    result = aws.run("explain", "dev")
    assert result.returncode == 0, result.stderr
    findings = [line for line in result.stdout.splitlines() if line.startswith("finding:")]
    go = [line for line in findings if "Go SDK" in line]
    assert go == [
        "finding: the Go SDK (terraform, pulumi) refuses [profile mfa] (source_profile "
        f"without role_arn) and every profile over it; fix: {FIX}"
    ]
    assert "export: leaves AWS_PROFILE out (Go SDKs refuse profile mfa" in result.stdout
    aws.seed()
    clean = aws.run("explain", "dev")
    assert "Go SDK" not in clean.stdout


def test_setup_with_todays_flags_rewrites_the_old_form_and_keeps_every_other_byte(
    aws: AwsEnv,
) -> None:
    aws.legacy_seed()
    result = aws.run(
        "setup", "--source", "default", "--mfa-serial", MFA_SERIAL, "--shell", "bash", "--yes"
    )
    assert result.returncode == 0, result.stderr
    assert "-source_profile = default" in result.stdout
    assert "+awsenv_source_profile = default" in result.stdout
    config = aws.config.read_text()
    # Only the session profile's own lines changed: the old key out, awsenv's
    # key and the duration in; every other line as it was.
    expected = LEGACY_SEED_CONFIG.replace(
        f"[profile mfa]\nsource_profile = default\nmfa_serial = {MFA_SERIAL}\n",
        f"[profile mfa]\nmfa_serial = {MFA_SERIAL}\nawsenv_source_profile = default\n"
        "duration_seconds = 28800\n",
    )
    assert config == expected
    assert aws.credentials.read_text() == SEED_CREDENTIALS


def test_setup_session_alone_moves_the_old_form(aws: AwsEnv, tmp_path) -> None:
    """The fix the export names: no other flag needed, the rest is read from the
    old section. Then the export names AWS_PROFILE again."""
    aws.legacy_seed()
    exported(aws, tmp_path, "--mfa-code", CODE)
    dry = aws.run("setup", "--session", "mfa", "--shell", "bash", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "+awsenv_source_profile = default" in dry.stdout
    assert aws.config.read_text() == LEGACY_SEED_CONFIG  # --dry-run writes nothing
    fixed = aws.run("setup", "--session", "mfa", "--shell", "bash", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    assert "source_profile = default\n" not in aws.config.read_text().replace(
        "awsenv_source_profile", ""
    )
    env, _stderr = exported(aws, tmp_path)  # the session stays cached: no code
    assert env["AWS_PROFILE"] == "dev"


def test_setup_without_consent_writes_nothing(aws: AwsEnv) -> None:
    """On a terminal, setup asks; no means the old form stays, byte for byte."""
    aws.legacy_seed()
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["setup", "--session", "mfa", "--shell", "bash"], env=env,
                          encoding="utf-8", timeout=60, cwd=str(aws.root))  # fmt: skip
    child.expect(r"(?m)^awsenv: updating session profile mfa")
    child.expect(r"(?m)^role profile as NAME=ARN \(empty: done\): ")
    child.sendline("")
    child.expect(r"(?m)^write these changes\? \[y/N\]: ")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert aws.config.read_text() == LEGACY_SEED_CONFIG
    assert aws.credentials.read_text() == SEED_CREDENTIALS


def test_a_hand_made_profile_the_go_sdk_refuses_is_named_with_its_own_fix(
    aws: AwsEnv, tmp_path
) -> None:
    """Not awsenv's section: the fix is an edit of that profile, not setup."""
    aws.write(
        SEED_CONFIG + "\n[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
        "source_profile = mfa\ncredential_process = /bin/false\n",
        SEED_CREDENTIALS,
    )
    result = aws.run("explain", "ci")
    assert result.returncode == 0, result.stderr
    assert (
        "refuses [profile ci] (source_profile and credential_process together) and every "
        "profile over it; fix: keep one of them in [profile ci]"
    ) in result.stdout


def test_a_source_profile_left_beside_awsenvs_key_is_moved_by_setup(aws: AwsEnv, tmp_path) -> None:
    """Half-moved by hand: awsenv's key added, `source_profile` kept. The Go
    SDK still refuses it; the fix is the same setup run."""
    aws.write(
        SEED_CONFIG.replace(
            "awsenv_source_profile = default\n",
            "awsenv_source_profile = default\nsource_profile = default\n",
        ),
        SEED_CREDENTIALS,
    )
    env, stderr = exported(aws, tmp_path, "--mfa-code", CODE)
    assert "AWS_PROFILE" not in env
    assert f"Go SDKs refuse profile mfa; fix: {FIX}" in stderr
    fixed = aws.run("setup", "--session", "mfa", "--shell", "bash", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    assert "-source_profile = default" in fixed.stdout
    env, _stderr = exported(aws, tmp_path)
    assert env["AWS_PROFILE"] == "dev"

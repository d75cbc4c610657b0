"""`awsenv setup`: only its own sections change, every other byte of both files
stays; a diff first; --dry-run and --yes; the rc line once; the MFA device
found with iam list-mfa-devices on the local moto; the wizard through a pty."""

from __future__ import annotations

import difflib
import json

import pexpect
from conftest import (
    ACCOUNT,
    AWSENV,
    CODE,
    MFA_SERIAL,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    AwsEnv,
)

CONFIG = (
    "# my config -- hand-written\n[default]\nregion = eu-west-1\n\n"
    "[sso-session corp]\nsso_region = x\n;trailing comment\n"
)
# moto routes by the service in the Authorization header; IAM auth is off, so
# the signature itself is not checked.
IAM_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAX/20250101/us-east-1/iam/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"
FLAGS = (
    "setup", "--source", "default", "--mfa-serial", MFA_SERIAL,
    "--role", f"admin={ROLE}", "--region", "eu-west-2", "--shell", "bash",
)  # fmt: skip


def only_insertions(before: str, after: str) -> bool:
    """Every byte of `before` is still in `after`, in order: nothing was removed
    or replaced."""
    ops = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    return all(tag in ("equal", "insert") for tag, *_ in ops)


def test_setup_adds_its_sections_and_keeps_every_other_byte(aws: AwsEnv) -> None:
    aws.write(CONFIG, SEED_CREDENTIALS)
    result = aws.run(*FLAGS, "--yes")
    assert result.returncode == 0, result.stderr
    config = aws.config.read_text()
    assert only_insertions(CONFIG, config)
    assert config.startswith(CONFIG)
    assert "[profile mfa]\nawsenv_source_profile = default\n" in config
    assert (
        f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = mfa\nregion = eu-west-2\n" in config
    )
    assert aws.credentials.read_text() == SEED_CREDENTIALS
    assert result.stdout.startswith(f"--- {aws.config}\n+++ {aws.config}\n")
    assert "awsenv admin" in result.stderr  # the exact next commands
    # The layout works: the new role exports against the local STS.
    exported = aws.run("admin", "--mfa-code", CODE, "--shell", "bash")
    assert exported.returncode == 0, exported.stderr
    assert "AWS_SESSION_TOKEN" in exported.stdout


def test_an_existing_session_section_is_updated_in_place(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run(*FLAGS, "--yes")
    assert result.returncode == 0, result.stderr
    assert only_insertions(SEED_CONFIG, aws.config.read_text())
    assert aws.credentials.read_text() == SEED_CREDENTIALS


def test_dry_run_shows_the_diff_and_writes_nothing(aws: AwsEnv) -> None:
    aws.write(CONFIG, SEED_CREDENTIALS)
    before = aws.snapshot()
    result = aws.run(*FLAGS, "--dry-run", "--rc")
    assert result.returncode == 0
    assert "+[profile admin]" in result.stdout
    assert aws.snapshot() == before
    assert not (aws.home / ".bashrc").exists()


def test_the_rc_line_is_added_once(aws: AwsEnv) -> None:
    aws.write(CONFIG, SEED_CREDENTIALS)
    rc = aws.home / ".bashrc"
    rc.write_text("alias ll='ls -l'")  # no final newline
    assert aws.run(*FLAGS, "--yes", "--rc").returncode == 0
    assert rc.read_text() == "alias ll='ls -l'\neval \"$(awsenv init bash)\"\n"
    again = aws.run(*FLAGS, "--yes", "--rc")
    assert again.returncode == 0
    assert again.stdout == "the files already hold this layout\n"
    assert rc.read_text().count("awsenv init bash") == 1


def test_the_mfa_device_is_found_with_iam_list_mfa_devices(aws: AwsEnv) -> None:
    def moto(action: str, **params: str) -> str:
        # Unsigned set-up calls straight to moto (IAM auth is off there).
        data = urllib.parse.urlencode({"Action": action, "Version": "2010-05-08", **params})
        request = urllib.request.Request(
            aws.sts.moto_endpoint,
            data=data.encode(),
            headers={"Authorization": IAM_AUTH},
        )
        with urllib.request.urlopen(request) as response:
            return response.read().decode()

    import re
    import urllib.parse
    import urllib.request

    moto("CreateUser", UserName="bob")
    created = moto("CreateAccessKey", UserName="bob")
    key_id = re.search(r"<AccessKeyId>([^<]+)<", created)[1]
    secret = re.search(r"<SecretAccessKey>([^<]+)<", created)[1]
    device = moto("CreateVirtualMFADevice", VirtualMFADeviceName="bob-phone")
    serial = re.search(r"<SerialNumber>([^<]+)<", device)[1]
    moto("EnableMFADevice", UserName="bob", SerialNumber=serial,
         AuthenticationCode1="123456", AuthenticationCode2="654321")  # fmt: skip
    aws.sts.add_user_keys(key_id, secret)
    aws.write(
        CONFIG, f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    )
    result = aws.run("setup", "--source", "default", "--yes", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert f"mfa_serial = {serial}\n" in aws.config.read_text()
    assert secret not in result.stdout + result.stderr


# The config of a person with keys and no awsenv layout yet.
NO_SESSION_CONFIG = SEED_CONFIG[: SEED_CONFIG.index("[profile mfa]")]


def test_the_wizard_asks_shows_the_diff_and_writes_on_yes(aws: AwsEnv) -> None:
    aws.write(NO_SESSION_CONFIG, SEED_CREDENTIALS)
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["setup", "--shell", "bash"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root))  # fmt: skip
    answers = [
        (r"(?m)^long-term key profile \(number\) \[1\]: ", "1"),
        (r"(?m)^MFA device ARN: ", MFA_SERIAL),
        (r"(?m)^session profile name \[mfa\]: ", ""),
        (r"(?m)^role profile as NAME=ARN \(empty: done\): ", f"admin={ROLE}"),
        (r"(?m)^its region \(empty: none\): ", "eu-west-2"),
        (r"(?m)^role profile as NAME=ARN \(empty: done\): ", ""),
        (r"(?m)^also add NAME-process profiles for tools without a shell\? \[y/N\]: ", "y"),
        (r"(?m)^write these changes\? \[y/N\]: ", "y"),
        (r"(?m)^add it to .*\.bashrc\? \[y/N\]: ", "y"),
    ]
    for prompt, answer in answers:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    config = aws.config.read_text()
    assert only_insertions(NO_SESSION_CONFIG, config)
    assert f"[profile mfa]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n" in config
    # This awsenv by absolute path, and the role's region (issue 18: the AWS CLI
    # reading only admin-process needs it).
    assert (
        f"[profile admin-process]\ncredential_process = {AWSENV} process admin\n"
        "region = eu-west-2\n"
    ) in config
    assert aws.credentials.read_text() == SEED_CREDENTIALS
    assert "awsenv init bash" in (aws.home / ".bashrc").read_text()
    assert json.dumps(MFA_SERIAL)[1:-1] in config


def test_a_file_changed_while_the_question_waits_is_not_overwritten(aws: AwsEnv) -> None:
    """Two writers: another awsenv (or an editor) changes a file after the diff
    was shown. setup writes nothing rather than undo that change."""
    aws.seed()
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["setup", "--shell", "bash"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root))  # fmt: skip
    answers = [
        # The session profile exists: its keys and device are not asked again.
        (r"(?m)^awsenv: updating session profile mfa", None),
        (r"(?m)^role profile as NAME=ARN \(empty: done\): ", f"admin={ROLE}"),
        (r"(?m)^its region \(empty: none\): ", ""),
        (r"(?m)^role profile as NAME=ARN \(empty: done\): ", ""),
        (r"(?m)^also add NAME-process profiles for tools without a shell\? \[y/N\]: ", "n"),
    ]
    for prompt, answer in answers:
        child.expect(prompt)
        if answer is not None:
            child.sendline(answer)
    child.expect(r"(?m)^write these changes\? \[y/N\]: ")
    edited = SEED_CREDENTIALS + "\n[team]\naws_access_key_id = AKIATEAM\n"
    aws.credentials.write_text(edited)
    config = aws.config.read_text()
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3, child.before
    assert "changed since the diff was shown; nothing was written" in (child.before or "")
    assert aws.credentials.read_text() == edited
    assert aws.config.read_text() == config == SEED_CONFIG

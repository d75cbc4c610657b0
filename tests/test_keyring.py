"""Long-term keys in the OS keyring (`awsenv keys ...`), against a real Secret
Service: gnome-keyring-daemon in a private D-Bus session bus that this module
starts (Debian `dbus-x11`, `gnome-keyring`), never a mock."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clients import ClientUnavailable, awscli_whoami
from conftest import (
    ACCOUNT,
    AWSENV,
    DEFAULT_KEY_ID,
    DEFAULT_SECRET,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    AwsEnv,
    botocore_session,
)

TOOLS = ("dbus-launch", "gnome-keyring-daemon")


def _require_tools() -> None:
    if not sys.platform.startswith("linux"):
        # The Keychain and the Credential Locker take a person's login: no
        # headless test here reaches them.
        pytest.skip("the Secret Service (gnome-keyring over D-Bus) is tested on Linux")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    if os.environ.get("AWSENV_REQUIRE_CLIENTS") or os.environ.get("AWSENV_REQUIRE_ALL_SHELLS"):
        pytest.fail(f"{', '.join(missing)} required (dbus-x11, gnome-keyring) but not installed")
    pytest.skip(f"{', '.join(missing)} not installed (Debian dbus-x11, gnome-keyring)")


@contextlib.contextmanager
def _session_bus(home: Path, *, unlock: bool) -> Iterator[dict[str, str]]:
    """A private D-Bus session bus with gnome-keyring's Secret Service on it,
    its login keyring unlocked or (unlock=False) none that is open: the
    variable that reaches the bus."""
    _require_tools()
    runtime = home / "run"
    runtime.mkdir(mode=0o700, parents=True)
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(runtime)}
    launched = subprocess.run(
        ["dbus-launch", "--sh-syntax"], env=env, capture_output=True, text=True, timeout=60
    )
    assert launched.returncode == 0, launched.stderr
    address = re.search(r"DBUS_SESSION_BUS_ADDRESS='([^']+)'", launched.stdout)
    pid = re.search(r"DBUS_SESSION_BUS_PID=(\d+)", launched.stdout)
    assert address and pid, launched.stdout
    bus = {"DBUS_SESSION_BUS_ADDRESS": address.group(1)}
    try:
        daemon = ["gnome-keyring-daemon", "--components=secrets"]
        daemon.insert(1, "--unlock" if unlock else "--start")
        started = subprocess.run(
            daemon,
            input="pw" if unlock else None,
            env={**env, **bus},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert started.returncode == 0, started.stderr
        yield bus
    finally:
        # The daemon leaves with its bus.
        os.kill(int(pid.group(1)), signal.SIGTERM)


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with _session_bus(tmp_path_factory.mktemp("keyring-home"), unlock=True) as bus:
        yield bus


@pytest.fixture
def keyring_aws(aws: AwsEnv, secret_service: dict[str, str]) -> AwsEnv:
    aws.seed()
    aws.environ.update(secret_service)
    # Each test starts with an empty keyring entry for the seed's profile.
    aws.run("keys", "remove", "default", "--yes")
    aws.seed()
    return aws


def _files_holding(root: Path, secret: str) -> list[str]:
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and secret.encode() in path.read_bytes()
    ]


def test_keys_add_moves_the_secret_out_of_every_file(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    result = aws.run("keys", "add", "default", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "OS keyring" in result.stderr and DEFAULT_SECRET not in result.stderr
    assert _files_holding(aws.root, DEFAULT_SECRET) == []
    # Only the two key lines went; every other byte stayed.
    expected = SEED_CREDENTIALS.replace(
        f"aws_access_key_id = {DEFAULT_KEY_ID}\naws_secret_access_key = {DEFAULT_SECRET}\n", ""
    )
    assert aws.credentials.read_text() == expected
    line = f"credential_process = {AWSENV} keys process default\n"
    assert aws.config.read_text() == SEED_CONFIG.replace(
        "[default]\nregion = eu-west-1\n", f"[default]\nregion = eu-west-1\n{line}"
    )
    listed = aws.run("keys", "list")
    assert (listed.returncode, listed.stdout) == (0, "default\n")
    exported = aws.run("default", "--shell", "bash")
    assert exported.returncode == 0, exported.stderr
    assert f"AWS_ACCESS_KEY_ID='{DEFAULT_KEY_ID}'" in exported.stdout
    process = aws.run("keys", "process", "default")
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout) == {
        "Version": 1,
        "AccessKeyId": DEFAULT_KEY_ID,
        "SecretAccessKey": DEFAULT_SECRET,
    }


def test_keys_add_for_a_profile_default_section_edits_that_section(keyring_aws: AwsEnv) -> None:
    """botocore reads `[profile default]` as the default profile, and a later
    `[default]` would replace it whole: the line goes into the section there
    is, so the region stays and botocore gets the keys from the keyring."""
    aws = keyring_aws
    config = SEED_CONFIG.replace(
        "[default]\nregion = eu-west-1\n", "[profile default]\nregion = ap-south-1\n"
    )
    assert config != SEED_CONFIG
    aws.config.write_text(config)
    result = aws.run("keys", "add", "default", "--yes")
    assert result.returncode == 0, result.stderr
    line = f"credential_process = {AWSENV} keys process default\n"
    assert aws.config.read_text() == config.replace(
        "[profile default]\nregion = ap-south-1\n",
        f"[profile default]\nregion = ap-south-1\n{line}",
    )
    with botocore_session(aws, "default") as session:
        assert session.get_config_variable("region") == "ap-south-1"
        assert session.get_credentials().get_frozen_credentials().secret_key == DEFAULT_SECRET
    removed = aws.run("keys", "remove", "default", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert aws.config.read_text() == config


def test_keys_add_with_both_default_sections_serves_the_go_sdk_and_botocore(
    keyring_aws: AwsEnv,
) -> None:
    """`[profile default]` above `[default]`: botocore reads the later one, the
    Go SDK (pulumi, terraform) `[profile default]`. Both get the keys from the
    keyring, each through the section it reads."""
    from clients import whoami

    aws = keyring_aws
    both = "[profile default]\nregion = eu-west-1\n\n[default]\nregion = eu-west-1\n"
    config = SEED_CONFIG.replace("[default]\nregion = eu-west-1\n", both)
    assert config != SEED_CONFIG
    aws.config.write_text(config)
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    assert (
        aws.config.read_text().count(f"credential_process = {AWSENV} keys process default\n") == 2
    )
    with botocore_session(aws, "default") as session:
        assert session.get_credentials().get_frozen_credentials().secret_key == DEFAULT_SECRET
    try:
        identity = whoami("go2", aws.environ, profile="default").identity
    except ClientUnavailable as exc:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"the Go SDK is required (AWSENV_REQUIRE_CLIENTS): {exc}")
        pytest.skip(str(exc))
    assert identity["Account"] == ACCOUNT


def test_the_aws_cli_and_the_export_work_from_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    try:
        identity = awscli_whoami({**aws.environ, "AWS_PROFILE": "default"})
    except ClientUnavailable as exc:
        if os.environ.get("AWSENV_REQUIRE_CLIENTS"):
            pytest.fail(f"awscli is required (AWSENV_REQUIRE_CLIENTS): {exc}")
        identity = None
    if identity is not None:
        assert identity["Account"] == ACCOUNT
    # A real bash evaluates the export; the MFA session is made with the keys
    # read from the keyring.
    shell = aws.command(
        ["bash", "-c", 'eval "$(awsenv dev --mfa-code 123456)" && printf %s "$AWS_ACCESS_KEY_ID"']
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.startswith("ASIA")
    signed = [e for e in aws.sts.requests_log if e["action"] == "GetSessionToken"]
    assert signed and signed[-1]["status"] == 200


def test_a_cached_export_never_opens_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    assert aws.run("dev", "--mfa-code", "123456").returncode == 0
    # No bus at all now: the repeat (memo), and a role renewed over the cached
    # MFA session, need no keyring.
    gone = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    again = aws.run("dev", env=gone)
    assert again.returncode == 0, again.stderr
    other_role = aws.run("prod", env=gone)
    assert other_role.returncode == 0, other_role.stderr
    assert "AWS_ACCESS_KEY_ID" in other_role.stdout


def test_no_keyring_is_one_line_and_nothing_changes(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    before = aws.snapshot()
    env = {k: v for k, v in aws.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run(
        [AWSENV, "keys", "add", "default", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "keyring" in lines[0], result.stderr
    assert aws.snapshot() == before


def test_keys_remove_deletes_the_entry_and_the_credential_process(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    removed = aws.run("keys", "remove", "default", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert aws.run("keys", "list").stdout == ""
    assert aws.config.read_text() == SEED_CONFIG
    gone = aws.run("keys", "process", "default")
    assert gone.returncode == 3 and "awsenv keys add default" in gone.stderr


def test_keys_add_without_a_terminal_asks_for_yes(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    before = aws.snapshot()
    result = aws.run("keys", "add", "default")
    assert result.returncode == 2 and "--yes" in result.stderr
    assert aws.snapshot() == before


def _iam(aws: AwsEnv) -> Any:
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=aws.sts.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIAADMIN",
        aws_secret_access_key="admin",
    )


def _moto_user(aws: AwsEnv, name: str) -> tuple[str, str]:
    """An IAM user in moto with one real access key; moto answers
    GetCallerIdentity for its keys with the user's ARN."""
    iam = _iam(aws)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    aws.sts.check_keys = False  # the new key is moto's, not the proxy's
    config = SEED_CONFIG
    credentials = f"[default]\naws_access_key_id = {key['AccessKeyId']}\n" + (
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    aws.write(config, credentials)
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_keys_rotate_replaces_the_key_in_iam_and_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    old_id, old_secret = _moto_user(aws, "alice-rotate")
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    rotated = aws.run("keys", "rotate", "default", "--mfa-code", "123456")
    assert rotated.returncode == 0, rotated.stderr
    assert old_secret not in rotated.stderr
    keys = _iam(aws).list_access_keys(UserName="alice-rotate")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] != [old_id] and len(keys) == 1
    new_id = keys[0]["AccessKeyId"]
    process = json.loads(aws.run("keys", "process", "default").stdout)
    assert process["AccessKeyId"] == new_id
    assert new_id in rotated.stderr and old_id in rotated.stderr
    # The MFA session for it came through STS with the MFA code.
    assert any(e["action"] == "GetSessionToken" for e in aws.sts.requests_log)


def test_keys_rotate_that_iam_refuses_keeps_the_old_key(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    old_id, _secret = _moto_user(aws, "alice-full")
    _iam(aws).create_access_key(UserName="alice-full")  # two keys: IAM's limit
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    rotated = aws.run("keys", "rotate", "default", "--mfa-code", "123456")
    assert rotated.returncode == 4
    assert len(rotated.stderr.splitlines()) == 1, rotated.stderr
    assert json.loads(aws.run("keys", "process", "default").stdout)["AccessKeyId"] == old_id
    listed = _iam(aws).list_access_keys(UserName="alice-full")["AccessKeyMetadata"]
    ids = {k["AccessKeyId"] for k in listed}
    assert old_id in ids and len(ids) == 2


def test_keys_add_asks_for_keys_the_files_do_not_hold_without_echo(keyring_aws: AwsEnv) -> None:
    import pexpect

    aws = keyring_aws
    aws.run("keys", "remove", "newkeys", "--yes")
    secret = "typedSecretKey000000000000000000000000001"
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["keys", "add", "newkeys"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root))  # fmt: skip
    child.expect(r"(?m)^access key id for profile newkeys: ")
    child.sendline("AKIATYPEDKEY00000001")
    child.expect(r"(?m)^secret access key \(not shown\): ")
    child.sendline(secret)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert secret not in (child.before or "")
    assert _files_holding(aws.root, secret) == []
    assert aws.credentials.read_text() == SEED_CREDENTIALS
    line = f"credential_process = {AWSENV} keys process newkeys\n"
    assert aws.config.read_text() == f"{SEED_CONFIG}\n[profile newkeys]\n{line}"
    process = json.loads(aws.run("keys", "process", "newkeys").stdout)
    assert process["SecretAccessKey"] == secret
    assert aws.run("keys", "list").stdout == "newkeys\n"


def test_list_and_explain_know_keys_in_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    gone = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    listed = json.loads(aws.run("list", "--json", env=gone).stdout)["profiles"]
    rows = {p["name"]: p for p in listed}
    assert rows["default"]["kind"] == "keyring"
    assert rows["default"]["credentials"] == "long-term"
    assert rows["dev"]["problem"] is None and rows["dev"]["chain"] == ["mfa", "default"]
    explained = aws.run("explain", "dev", env=gone)
    assert explained.returncode == 0, explained.stderr
    assert "default: long-term keys in the OS keyring, entry 'default'" in explained.stdout
    assert DEFAULT_SECRET not in explained.stdout + explained.stderr


def test_setup_finds_the_device_with_keys_from_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    _moto_user(aws, "alice-setup")
    iam = _iam(aws)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-setup-phone")[
        "VirtualMFADevice"
    ]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice-setup", SerialNumber=serial,
                          AuthenticationCode1="123456", AuthenticationCode2="654321")  # fmt: skip
    no_session = SEED_CONFIG[: SEED_CONFIG.index("[profile mfa]")]
    aws.write(no_session, aws.credentials.read_text())
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    role = f"arn:aws:iam::{ACCOUNT}:role/admin"
    result = aws.run("setup", "--source", "default", "--role", f"admin={role}", "--yes",
                     "--shell", "bash")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"mfa_serial = {serial}\n" in aws.config.read_text()
    exported = aws.run("admin", "--mfa-code", "123456", "--shell", "bash")
    assert exported.returncode == 0, exported.stderr
    assert "AWS_SESSION_TOKEN" in exported.stdout


def test_a_locked_keyring_is_one_line_and_nothing_changes(
    keyring_aws: AwsEnv, tmp_path: Path
) -> None:
    aws = keyring_aws
    before = aws.snapshot()
    with _session_bus(tmp_path / "locked-home", unlock=False) as locked:
        result = aws.run("keys", "add", "default", "--yes", env=locked)
    assert result.returncode == 3 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "keyring (SecretService Keyring) cannot be reached" in lines[0]
    assert aws.snapshot() == before


def test_a_move_cut_short_is_ended_by_running_keys_add_again(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    # As if the config was written and the credentials file was not.
    line = f"credential_process = {AWSENV} keys process default\n"
    aws.config.write_text(
        SEED_CONFIG.replace("region = eu-west-1\n", f"region = eu-west-1\n{line}")
    )
    result = aws.run("keys", "add", "default", "--yes")
    assert result.returncode == 0, result.stderr
    assert _files_holding(aws.root, DEFAULT_SECRET) == []
    again = aws.run("keys", "add", "default", "--yes")
    assert again.returncode == 3
    assert again.stderr == "awsenv: the keys of profile 'default' are already in the OS keyring\n"


def test_a_repeat_over_keys_in_the_keyring_imports_no_keyring(
    keyring_aws: AwsEnv, tmp_path: Path
) -> None:
    import test_fast_path

    aws = keyring_aws
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    assert aws.run("dev", "--shell", "bash", "--mfa-code", "123456").returncode == 0
    heavy = (*test_fast_path.HEAVY, "keyring", "awscrt", "secretstorage")
    memo = test_fast_path.probe(aws, tmp_path / "memo.json", "dev", "--shell", "bash", heavy=heavy)
    assert memo == {"code": 0, "loaded": []}
    test_fast_path.memo_file(aws).unlink()
    full = test_fast_path.probe(aws, tmp_path / "full.json", "dev", "--shell", "bash", heavy=heavy)
    assert full["code"] == 0 and "argparse" in full["loaded"]  # the full path ran
    assert not {"keyring", "awscrt", "secretstorage", "botocore"} & set(full["loaded"])


def test_a_cached_mfa_session_survives_the_move_into_the_keyring(keyring_aws: AwsEnv) -> None:
    aws = keyring_aws
    assert aws.run("dev", "--mfa-code", "123456").returncode == 0
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    aws.sts.reset()
    # Another role over the same session: no code, no GetSessionToken, no keyring.
    gone = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"}
    result = aws.run("prod", "--no-prompt", env=gone)
    assert result.returncode == 0, result.stderr
    assert aws.sts.calls == {"AssumeRole": 1}


def test_a_new_key_sts_never_accepts_is_deleted_and_the_old_one_kept(
    keyring_aws: AwsEnv,
) -> None:
    aws = keyring_aws
    old_id, old_secret = _moto_user(aws, "alice-unaccepted")
    # STS knows the old key only: the new one is refused as InvalidClientTokenId,
    # as a key IAM has not yet spread is, until awsenv stops waiting for it.
    aws.sts.check_keys = True
    aws.sts.add_user_keys(old_id, old_secret)
    assert aws.run("keys", "add", "default", "--yes").returncode == 0
    rotated = aws.run("keys", "rotate", "default", "--mfa-code", "123456", timeout=120)
    assert rotated.returncode == 4
    (line,) = rotated.stderr.splitlines()
    assert "did not work" in line and f"the old key {old_id} is back" in line
    assert old_secret not in line
    assert json.loads(aws.run("keys", "process", "default").stdout)["AccessKeyId"] == old_id
    listed = _iam(aws).list_access_keys(UserName="alice-unaccepted")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [old_id]

"""`awsenv setup` under attack: no secret already in the files reaches any
output, what it writes is safe for every runner of credential_process (shlex
for botocore, `sh -c` for the Go SDK, Ruby and the JS SDK), names no tool can
address are refused before anything is written, and the rc file gets the
care the AWS files get."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys

import pexpect
import pytest
from conftest import AWSENV, MFA_SERIAL, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv

ROLE = "arn:aws:iam::123456789012:role/admin"
FLAGS = ("setup", "--source", "default", "--mfa-serial", MFA_SERIAL, "--shell", "bash")

# Secrets in every form the credentials file may hold them: long-term, a
# session, the legacy token name, odd spacing, CRLF, a key in another section.
SECRETS = {
    "long-term": "LongTermSecretDoNotShow0000000000000001",
    "session secret": "SessionSecretDoNotShow00000000000000002",
    "session token": "SessionTokenDoNotShowFQoGZXIvYXdzEJr0000003",
    "security token": "SecurityTokenDoNotShow000000000000000004",
    "other": "OtherSecretDoNotShow0000000000000000005",
}
SECRET_CREDENTIALS = (
    SEED_CREDENTIALS.replace(
        "aliceSecretKey0000000000000000000000000001", "aliceSecretKey0000000000000000000000000001"
    )
    + "\n[mfa]\r\n"
    f"aws_access_key_id = ASIAOLDSESSION000001\r\n"
    f"aws_secret_access_key={SECRETS['session secret']}\r\n"
    f"AWS_SESSION_TOKEN   :   {SECRETS['session token']}\r\n"
    f"aws_security_token = {SECRETS['security token']}\r\n"
    "\n[ci]\n"
    "aws_access_key_id = AKIACIKEY00000000001\n"
    f"  aws_secret_access_key = {SECRETS['other']}\n"
    "\n[team]\n"
    "aws_access_key_id = AKIATEAM000000000001\n"
    f"aws_secret_access_key = {SECRETS['long-term']}\n"
)


def outputs(result) -> str:  # type: ignore[no-untyped-def]
    return result.stdout + result.stderr


def all_secrets(aws: AwsEnv) -> list[str]:
    from conftest import DEFAULT_SECRET

    return [*SECRETS.values(), DEFAULT_SECRET]


@pytest.mark.parametrize("mode", ["--dry-run", "--yes"])
def test_no_secret_in_the_files_reaches_any_output(aws: AwsEnv, mode: str) -> None:
    aws.write(SEED_CONFIG, SECRET_CREDENTIALS)
    # --session team: setup replaces nothing there, but the diff's context
    # around [team] would show its secret; ci is next to it too.
    result = aws.run(*FLAGS, "--role", f"admin={ROLE}", mode)
    assert result.returncode == 0, result.stderr
    text = outputs(result)
    assert "+[profile admin]" in result.stdout
    for secret in all_secrets(aws):
        assert secret not in text


def test_new_keys_replacing_old_ones_show_neither_secret(aws: AwsEnv) -> None:
    """The wizard's new keys go into [default]: the old secret is a `-` line
    and the new one a `+` line, both masked, and the change still shows."""
    from conftest import DEFAULT_SECRET

    aws.write("[default]\nregion = eu-west-1\n", SECRET_CREDENTIALS)
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["setup", "--shell", "bash", "--mfa-serial", MFA_SERIAL,
                                   "--session", "work"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root))  # fmt: skip
    log = io.StringIO()
    child.logfile_read = log
    new_secret = "BrandNewSecretTypedNow000000000000000006"
    child.expect(r"(?m)^long-term key profile \(number\) \[1\]: ")
    options = child.before or ""
    choice = next(line for line in options.splitlines() if "(new keys)" in line)
    child.sendline(choice.strip().split(")")[0])
    child.expect(r"(?m)^name for the new key profile \[default\]: ")
    child.sendline("default")
    child.expect(r"(?m)^access key ID: ")
    child.sendline("AKIANEWKEY0000000001")
    child.expect(r"secret access key \(not shown\): ")
    child.sendline(new_secret)
    child.expect(r"(?m)^role profile as NAME=ARN \(empty: done\): ")
    child.sendline("")
    child.expect(r"(?m)^write these changes\? \[y/N\]: ")
    shown = log.getvalue()
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert "-aws_secret_access_key = ********" in shown
    assert "+aws_secret_access_key = ********" in shown
    for secret in [*all_secrets(aws), new_secret]:
        assert secret not in shown
    assert DEFAULT_SECRET in aws.credentials.read_text()  # "n": nothing written


# No spaces (botocore could not name such a profile), but each would run
# `touch PWNED` if sh saw it unquoted.
NAMES = ["x$(touch${IFS}PWNED)", "a`touch${IFS}PWNED`b", "dollar$HOME", "x|touch&PWNED>y"]


def runners(value: str, tmp_path) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """argv as botocore (shlex) and as the Go SDK, Ruby and the JS SDK (sh -c)
    would run a credential_process value, with a stand-in `awsenv` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stand_in = bin_dir / "awsenv"
    stand_in.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    stand_in.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    # The awsenv that ran setup, by absolute path; the stand-in takes its place.
    program = shlex.quote(AWSENV) + " "
    assert value.startswith(program), value
    line = shlex.quote(str(stand_in)) + " " + value[len(program) :]
    by_sh = subprocess.run(
        ["sh", "-c", line], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    import json

    return {"shlex": shlex.split(value)[1:], "sh -c": json.loads(by_sh.stdout)}


@pytest.mark.parametrize("name", NAMES)
def test_credential_process_names_the_role_as_one_word_for_every_runner(
    aws: AwsEnv, tmp_path, name: str
) -> None:
    aws.seed()
    result = aws.run(*FLAGS, "--role", f"{name}={ROLE}", "--process", "--yes")
    assert result.returncode == 0, result.stderr
    from awsenv.config.profiles import AwsFiles

    files = AwsFiles.load(aws.config, aws.credentials)
    value = files.profile(f"{name}-process").get("credential_process")
    assert value is not None
    argv = runners(value, tmp_path)
    assert argv["shlex"] == ["process", name]
    assert argv["sh -c"] == ["process", name]
    assert not (tmp_path / "PWNED").exists()
    assert files.profile(name).get("role_arn") == ROLE


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--role", f"my dev={ROLE}"), "cannot be a profile name"),
        (("--role", f"x;touch PWNED={ROLE}"), "cannot be a profile name"),
        (("--role", f"[x]={ROLE}"), "cannot be a profile name"),
        (("--role", f"q'uote={ROLE}"), "cannot be a profile name"),
        (("--session", "a b"), "cannot be a profile name"),
        (("--session", "DEFAULT"), "cannot be named 'DEFAULT'"),
        (("--duration", "10"), "900 to 129600 seconds"),
        (("--duration", "200000"), "900 to 129600 seconds"),
        (("--role", "admin=arn:aws:iam::12:role/x"), "role ARN is arn:aws:iam::ACCOUNT:role/NAME"),
        (("--role", f"admin={ROLE}", "--region", "eu west"), "is not a region"),
        (("--mfa-serial", "alice"), "an MFA device is"),
    ],
)
def test_values_no_tool_can_use_are_refused_before_anything_is_written(
    aws: AwsEnv, flags: tuple[str, ...], words: str
) -> None:
    aws.seed()
    before = aws.snapshot()
    result = aws.run(*FLAGS, *flags, "--process", "--yes")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert words in result.stderr
    assert aws.snapshot() == before
    assert not (aws.home / ".bashrc").exists()


def test_rc_through_a_dangling_symlink_makes_no_directory(aws: AwsEnv) -> None:
    aws.seed()
    target = aws.root / "dotfiles" / "bashrc"
    (aws.home / ".bashrc").symlink_to(target)
    result = aws.run(*FLAGS, "--rc", "--yes")
    assert result.returncode == 3, result.stderr
    assert "is a symlink to" in result.stderr and "does not exist" in result.stderr
    assert not target.parent.exists()


def test_rc_read_only_or_hard_linked_is_not_replaced(aws: AwsEnv) -> None:
    aws.seed()
    rc = aws.home / ".bashrc"
    rc.write_text("# mine\n")
    rc.chmod(0o444)
    result = aws.run(*FLAGS, "--rc", "--yes")
    assert result.returncode == 3, result.stderr
    assert "read-only" in result.stderr
    assert rc.read_text() == "# mine\n"
    rc.chmod(0o644)
    twin = aws.root / "twin"
    os.link(rc, twin)
    result = aws.run(*FLAGS, "--rc", "--yes")
    assert result.returncode == 3, result.stderr
    assert "hard links" in result.stderr
    assert rc.read_text() == twin.read_text() == "# mine\n"
    assert os.stat(rc).st_ino == os.stat(twin).st_ino


def test_rc_edited_while_the_question_waits_is_kept(aws: AwsEnv) -> None:
    aws.seed()
    rc = aws.home / ".bashrc"
    rc.write_text("# mine\n")
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, [*FLAGS[:-2], "--session", "mfa", "--shell", "bash"],
                          env=env, encoding="utf-8", timeout=60, cwd=str(aws.root))  # fmt: skip
    child.expect(r"(?m)^role profile as NAME=ARN \(empty: done\): ")
    child.sendline("")
    child.expect(r"(?m)^write these changes\? \[y/N\]: ")
    child.sendline("y")
    child.expect(r"(?m)^add it to .*\.bashrc\? \[y/N\]: ")
    rc.write_text("# mine\nexport EDITOR=vi\n")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3, child.before
    assert "changed while awsenv asked; nothing was added" in (child.before or "")
    assert rc.read_text() == "# mine\nexport EDITOR=vi\n"


def test_a_secrets_continuation_lines_are_masked_even_when_its_key_line_is_outside_the_hunk() -> (
    None
):
    """The diff masks by each file's own lines (ini_lines), not by the lines
    the diff happens to show: a secret's continuation lines stay masked when
    its key line is too far above the change to be in the hunk."""
    from pathlib import Path

    from awsenv.core.setup_edits import MASKED, diff

    before = (
        "[team]\naws_session_token = head\n  SecretTailDoNotShow1\n  SecretTailDoNotShow2\n"
        "  SecretTailDoNotShow3\n  SecretTailDoNotShow4\nregion = x\n"
    )
    after = before + "\n[mfa]\nregion = y\n"
    shown = diff(Path("credentials"), before, after)
    assert "SecretTail" not in shown
    assert f"  {MASKED}" in shown

"""stdout that refuses the shell code: a full disk is one line and a failure, a
reader that went away is a quiet exit, as Unix tools do. Either way the files
hold at most the session that was legitimately refreshed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ACCOUNT, AWSENV, CODE, MFA_SERIAL, AwsEnv

from awsenv.stdout import EXIT_BROKEN_PIPE

# The fast path alone: importing any subcommand fails, so a call that is not
# served from the memo crashes instead of passing unnoticed.
FAST_PATH_ONLY = [
    sys.executable,
    "-c",
    "import sys; sys.modules['awsenv.commands'] = None; "
    "from awsenv.__main__ import main; sys.argv[0] = 'awsenv'; sys.exit(main())",
]


def run_into(aws: AwsEnv, stdout: int, *args: str, command: list[str] | None = None):
    proc = subprocess.run(
        [*(command or [AWSENV]), *args],
        env=aws.environ,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    return proc.returncode, proc.stderr.decode()


def closed_pipe() -> int:
    """The write end of a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    return write


def session_in_mfa_section(aws: AwsEnv) -> str:
    text = aws.credentials.read_text()
    section = text[text.index("[mfa]") :]
    return next(
        line.split("=", 1)[1].strip()
        for line in section.splitlines()
        if line.startswith("aws_session_token")
    )


def test_a_full_disk_on_stdout_is_one_line_and_a_failure(aws: AwsEnv) -> None:
    aws.seed()
    with open("/dev/full", "wb") as full:
        status, stderr = run_into(aws, full.fileno(), "dev", "--shell", "bash", "--mfa-code", CODE)
    assert status == 1
    assert stderr.splitlines() == [
        "awsenv: cannot write the shell code to stdout: No space left on device"
    ]
    # The session was refreshed with STS before the write failed: legitimately.
    assert session_in_mfa_section(aws) in aws.sts.session_tokens.values()
    assert not (aws.cache / "exports").exists() or not any((aws.cache / "exports").iterdir())


def test_a_closed_pipe_on_stdout_exits_quietly(aws: AwsEnv) -> None:
    aws.seed()
    write = closed_pipe()
    try:
        status, stderr = run_into(aws, write, "dev", "--shell", "bash", "--mfa-code", CODE)
    finally:
        os.close(write)
    assert (status, stderr) == (EXIT_BROKEN_PIPE, "")
    assert session_in_mfa_section(aws) in aws.sts.session_tokens.values()


@pytest.mark.parametrize("target", ["full", "closed pipe"])
def test_the_fast_path_fails_the_same_way(aws: AwsEnv, target: str) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    before = aws.snapshot()
    served = subprocess.run(
        [*FAST_PATH_ONLY, "dev", "--shell", "bash"],
        env=aws.environ,
        capture_output=True,
        check=False,
        start_new_session=True,
    )
    assert served.returncode == 0 and served.stdout.startswith(b"export "), served.stderr
    if target == "full":
        with open("/dev/full", "wb") as full:
            result = run_into(aws, full.fileno(), "dev", "--shell", "bash", command=FAST_PATH_ONLY)
        expected = (1, "awsenv: cannot write the shell code to stdout: No space left on device\n")
    else:
        write = closed_pipe()
        try:
            result = run_into(aws, write, "dev", "--shell", "bash", command=FAST_PATH_ONLY)
        finally:
            os.close(write)
        expected = (EXIT_BROKEN_PIPE, "")
    assert result == expected
    assert aws.snapshot() == before


# Each subcommand that writes to stdout, and what its failure line calls that.
WRITERS = {
    "export": (("dev", "--shell", "bash", "--mfa-code", CODE), "the shell code"),
    "process": (("process", "dev", "--mfa-code", CODE), "the credential_process JSON"),
    "list": (("list",), "the listing"),
    "list --json": (("list", "--json"), "the listing"),
    "list --names": (("list", "--names"), "the listing"),
    "explain": (("explain", "dev"), "the explanation"),
    "init": (("init", "bash"), "the shell integration"),
    "unset": (("unset", "--shell", "bash"), "the shell code"),
    "setup": (
        (
            "setup", "--source", "default", "--mfa-serial", MFA_SERIAL, "--role",
            f"admin=arn:aws:iam::{ACCOUNT}:role/admin", "--yes", "--rc", "--shell", "bash",
        ),
        "the diff",
    ),
}  # fmt: skip
SPENDS_A_CODE = ("export", "process")


def run_with_stdout(aws: AwsEnv, target: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """awsenv with fd 1 closed in the child ("closed"), or on /dev/full ("full")."""
    with open("/dev/full", "wb") as full:
        return subprocess.run(
            [AWSENV, *args],
            env=aws.environ,
            stdin=subprocess.DEVNULL,
            stdout=full if target == "full" else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=(lambda: os.close(1)) if target == "closed" else None,
            timeout=60,
            start_new_session=True,
            check=False,
        )


@pytest.mark.parametrize("target", ["closed", "full"])
@pytest.mark.parametrize("subcommand", list(WRITERS))
def test_a_closed_or_full_stdout_is_one_line_naming_what_was_not_written(
    aws: AwsEnv, subcommand: str, target: str
) -> None:
    aws.seed()
    before = aws.snapshot()
    args, what = WRITERS[subcommand]
    proc = run_with_stdout(aws, target, *args)
    expected = (
        f"awsenv: stdout is closed: there is nowhere to write {what}\n"
        if target == "closed"
        else f"awsenv: cannot write {what} to stdout: No space left on device\n"
    )
    assert (proc.returncode, proc.stderr.decode()) == (1, expected)
    if target == "closed" or subcommand not in SPENDS_A_CODE:
        # Found before anything is spent: no STS call, no byte written.
        assert aws.sts.calls == {}
        assert aws.snapshot() == before
        assert not (aws.home / ".bashrc").exists()


def damage_a_cache_entry(aws: AwsEnv) -> None:
    (entry,) = [p for p in (aws.cache / "creds").iterdir() if "role" in p.read_text()]
    data = json.loads(entry.read_text())
    data["credentials"]["Expiration"] = "not a time"
    entry.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("argv", "prepare"),
    [
        # The standard layout's first export says why AWS_PROFILE is not set.
        (["dev", "--shell", "bash", "--mfa-code", CODE], None),
        (["process", "dev", "--mfa-code", CODE], None),
        # `list` warns of a damaged cache entry.
        (["list", "--json"], damage_a_cache_entry),
    ],
    ids=["export", "process", "list"],
)
def test_a_notice_and_then_a_failure_to_write_is_still_one_line(
    aws: AwsEnv, argv: list[str], prepare
) -> None:
    aws.standard()
    if prepare:
        assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
        prepare(aws)
    else:  # the notice is there when stdout takes the code
        assert (
            "AWS_PROFILE not set" in aws.run("prod", "--shell", "bash", "--mfa-code", CODE).stderr
        )
    with open("/dev/full", "wb") as full:
        status, stderr = run_into(aws, full.fileno(), *argv)
    assert status == 1
    assert len(stderr.splitlines()) == 1, stderr
    assert "No space left on device" in stderr

"""The MFA prompt on a real pseudo-terminal, as a person meets it."""

from __future__ import annotations

import io
import os
import pty
import re
import termios
import threading
import time

import pexpect
from conftest import (
    ACCOUNT,
    AWSENV,
    CODE,
    MFA_SERIAL,
    AwsEnv,
)

from awsenv.core import mfa_codes as mfa

PROMPT = re.compile(r"(?m)^MFA code for " + re.escape(MFA_SERIAL) + ": ")


def spawn(aws: AwsEnv, command: str, *args: str) -> pexpect.spawn:
    env = dict(aws.environ)
    env.pop("PYTHONUNBUFFERED", None)  # a missing flush must show as a hang here
    env["PS1"] = "$ "
    return pexpect.spawn(
        command, list(args), env=env, cwd=str(aws.root), encoding="utf-8", timeout=30
    )


def test_prompt_reaches_the_terminal_and_the_typed_code_is_used(aws: AwsEnv) -> None:
    aws.seed()
    bash = spawn(aws, "bash", "--norc", "--noprofile")
    bash.sendline(f'eval "$({AWSENV} dev --shell bash)"; echo "rc=$? key=$AWS_ACCESS_KEY_ID"')
    bash.expect(PROMPT)
    bash.sendline(CODE)
    bash.expect(r"rc=0 key=(ASIA\w+)")
    assert aws.sts.requests_log[0]["token_code"] == CODE
    assert bash.match.group(1) in aws.sts.session_tokens
    bash.sendline("exit")
    bash.expect(pexpect.EOF)


def test_wrong_typed_code_fails_and_leaves_the_shell_alone(aws: AwsEnv) -> None:
    aws.seed()
    bash = spawn(aws, "bash", "--norc", "--noprofile")
    bash.sendline("export AWS_ACCESS_KEY_ID=before")
    bash.sendline(f'out="$({AWSENV} dev --shell bash)"; echo "rc=$? out=[$out]"')
    bash.expect(PROMPT)
    bash.sendline("000000")
    bash.expect(PROMPT)  # asked once more: it may have rolled over as it was typed
    bash.sendline("000001")
    bash.expect(r"MFA code rejected.*\r\n")
    bash.expect(r"rc=4 out=\[\]")
    bash.sendline('echo "key=$AWS_ACCESS_KEY_ID"')
    bash.expect("key=before")
    assert not aws.credentials.read_text().count("[mfa]")


def test_non_digit_typed_code_is_refused_without_sts_after_three_tries(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash")
    answer_prompts(child, "12ab56", "", "1234567")
    child.expect("awsenv: the MFA code must be exactly 6 digits")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert aws.sts.calls == {}


def test_interrupt_at_the_prompt_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash")
    child.expect(PROMPT)
    child.sendintr()
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert aws.snapshot() == before


def test_stdout_on_a_terminal_refreshes_but_prints_no_secret(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash", "--mfa-code", CODE)
    child.expect(pexpect.EOF)
    child.close()
    output = child.before
    assert child.exitstatus == 0
    assert "profile 'dev' is ready, valid until 20" in output
    assert """eval "$(awsenv 'dev')\"""" in output
    assert "export AWS_" not in output and "AWS_SECRET_ACCESS_KEY" not in output
    for akid, token in aws.sts.session_tokens.items():
        assert token not in output
        assert aws.sts.known_keys[akid] not in output
    assert "[mfa]" in aws.credentials.read_text()  # the refresh still happened


def test_typed_code_is_not_echoed_and_echo_comes_back(aws: AwsEnv) -> None:
    aws.seed()
    # Not interactive, so that no shell touches the terminal's modes between
    # awsenv and stty: what stty reports is what awsenv left behind.
    child = spawn(aws, "bash", "-c", f"{AWSENV} dev --shell bash >/dev/null; stty -a")
    child.logfile_read = seen = io.StringIO()
    child.expect(PROMPT)
    assert child.waitnoecho(timeout=10), "ECHO is still on at the prompt"
    child.sendline(CODE)
    child.expect(r"(-?)echo ")
    assert child.match.group(1) == "", "awsenv left ECHO off"
    child.expect(pexpect.EOF)
    # (The account id in the prompt happens to start with the same digits.)
    assert not re.search(rf"(?<!\d){CODE}(?!\d)", seen.getvalue())
    assert aws.sts.successes["GetSessionToken"] == 1


def test_interrupt_at_the_prompt_turns_echo_back_on(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, "bash", "-c", f"{AWSENV} dev --shell bash; echo rc=$?; stty -a")
    child.expect(PROMPT)
    assert child.waitnoecho(timeout=10)
    child.sendintr()
    child.expect("rc=130")
    child.expect(r"(-?)echo ")
    assert child.match.group(1) == ""
    child.expect(pexpect.EOF)


def test_typo_is_asked_for_again_with_a_hint(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash")
    answer_prompts(child, "12345")
    child.expect(r"the code is the 6 digits your MFA device shows now\r\n")
    answer_prompts(child, CODE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}


def test_code_rejected_by_sts_is_asked_for_once_more(aws: AwsEnv) -> None:
    aws.seed()
    bash = spawn(aws, "bash", "--norc", "--noprofile")
    bash.sendline(f'eval "$({AWSENV} dev --shell bash)"; echo "rc=$? key=$AWS_ACCESS_KEY_ID"')
    bash.expect(PROMPT)
    bash.sendline("000000")  # as the code rolled over
    bash.expect(r"STS rejected that code; wait for the next one and type it\r\n")
    bash.expect(PROMPT)
    bash.sendline(CODE)
    bash.expect(r"rc=0 key=ASIA\w+")
    assert aws.sts.calls == {"GetSessionToken": 2, "AssumeRole": 1}
    assert [e["token_code"] for e in aws.sts.requests_log[:2]] == ["000000", CODE]
    bash.sendline("exit")
    bash.expect(pexpect.EOF)


def answer_prompts(child: pexpect.spawn, *codes: str) -> None:
    for code in codes:
        child.expect(PROMPT)
        child.sendline(code)


def test_code_for_assume_role_itself_is_asked_for_once_more_only(aws: AwsEnv, tmp_path) -> None:
    """A role with its own mfa_serial over keys from credential_process: the
    code goes to AssumeRole, and a rejected one is asked for once, not twice."""
    script = tmp_path / "creds.sh"
    script.write_text(
        '#!/bin/sh\necho \'{"Version": 1, "AccessKeyId": "ASIAPROCESS000000009", '
        '"SecretAccessKey": "procSecret9", "SessionToken": "procToken9", '
        '"Expiration": "2099-01-01T00:00:00Z"}\'\n'
    )
    script.chmod(0o755)
    aws.sts.add_user_keys("ASIAPROCESS000000009", "procSecret9")
    aws.sts.session_tokens["ASIAPROCESS000000009"] = "procToken9"
    aws.write(
        f"[profile proc]\ncredential_process = {script}\n\n[profile direct]\n"
        f"role_arn = arn:aws:iam::{ACCOUNT}:role/direct\nsource_profile = proc\n"
        f"mfa_serial = {MFA_SERIAL}\n",
        "",
    )
    child = spawn(aws, AWSENV, "direct", "--shell", "bash")
    answer_prompts(child, "000000", "000001")
    child.expect("MFA code rejected")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4
    assert aws.sts.calls == {"AssumeRole": 2}  # no third try
    assert [e["token_code"] for e in aws.sts.requests_log] == ["000000", "000001"]


def test_given_code_rejected_by_sts_is_not_retried(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash", "--mfa-code", "000000")
    child.expect("MFA code rejected")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4
    assert "MFA code for" not in child.before
    assert aws.sts.calls == {"GetSessionToken": 1}


def test_code_typed_the_moment_the_prompt_shows_is_kept(monkeypatch) -> None:
    """On a loaded machine awsenv may pause between any two steps. A code typed
    as soon as the prompt is on the screen (a fast typist; the demo's driver)
    must still be read, not flushed away as typed-too-early."""
    master, slave = pty.openpty()
    real_open, real_tcsetattr = os.open, termios.tcsetattr

    def tty_open(path: str, flags: int, *args: int) -> int:
        return os.dup(slave) if path == "/dev/tty" else real_open(path, flags, *args)

    def descheduled_tcsetattr(fd: int, when: int, attributes: list) -> None:
        time.sleep(0.5)  # the typist has time to answer here
        real_tcsetattr(fd, when, attributes)

    monkeypatch.setattr(os, "open", tty_open)
    monkeypatch.setattr(termios, "tcsetattr", descheduled_tcsetattr)

    def typist() -> None:
        seen = b""
        while b"MFA code for " + MFA_SERIAL.encode() + b": " not in seen:
            seen += os.read(master, 4096)
        os.write(master, CODE.encode() + b"\n")

    answer: list[str] = []
    threading.Thread(target=typist, daemon=True).start()
    asker = threading.Thread(
        target=lambda: answer.append(mfa.ask_terminal(MFA_SERIAL)), daemon=True
    )
    asker.start()
    asker.join(timeout=10)
    os.close(master)  # a reader still waiting (the code was lost) gets EOF and ends
    os.close(slave)
    assert answer == [CODE], "the code typed at the prompt was dropped"

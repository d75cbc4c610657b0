"""The MFA prompt on a real pseudo-terminal, as a person meets it."""

from __future__ import annotations

import re

import pexpect
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv

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
    bash.expect(r"MFA code rejected.*\r\n")
    bash.expect(r"rc=4 out=\[\]")
    bash.sendline('echo "key=$AWS_ACCESS_KEY_ID"')
    bash.expect("key=before")
    assert not aws.credentials.read_text().count("[mfa]")


def test_non_digit_typed_code_is_refused_without_sts(aws: AwsEnv) -> None:
    aws.seed()
    child = spawn(aws, AWSENV, "dev", "--shell", "bash")
    child.expect(PROMPT)
    child.sendline("12ab56")
    child.expect("6 digits")
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

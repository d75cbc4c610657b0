"""Two of anything: many awsenv processes at once share one refresh, one code and
one STS call per source, through the cross-process lock.

The local STS accepts each code once, as real STS does, so a second
GetSessionToken with the same code would fail the run that sent it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pexpect
import pytest
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv
from test_prompt import PROMPT, spawn

from awsenv import errors

WAITING = re.compile(r"awsenv: waiting for another awsenv \(pid (\d+)\) refreshing (\S+)")


def start(aws: AwsEnv, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [AWSENV, *args],
        env={**aws.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err))
    return results


def exported(stdout: str, name: str) -> str:
    match = re.search(rf"^export {name}='([^']*)'$", stdout, re.M)
    assert match, stdout
    return match.group(1)


@pytest.mark.parametrize("layout", ["seed", "standard"])
def test_eight_parallel_exports_from_a_cold_cache_share_one_code_and_one_call(
    aws: AwsEnv, layout: str
) -> None:
    getattr(aws, layout)()
    aws.sts.one_use_codes = True
    procs = [start(aws, "dev", "--shell", "bash", "--mfa-code", CODE) for _ in range(8)]
    results = finish(procs)
    for code, _out, err in results:
        assert code == 0, err
        assert "MFA code rejected" not in err
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    keys = {exported(out, "AWS_ACCESS_KEY_ID") for _, out, _ in results}
    assert len(keys) == 1 and keys.pop() in aws.sts.session_tokens


def test_parallel_exports_of_two_roles_share_one_mfa_session(aws: AwsEnv) -> None:
    aws.seed()
    aws.sts.one_use_codes = True
    procs = [
        start(aws, profile, "--shell", "bash", "--mfa-code", CODE)
        for _ in range(4)
        for profile in ("dev", "prod")
    ]
    for code, _out, err in finish(procs):
        assert code == 0, err
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 2}
    assert aws.credentials.read_text().count("[mfa]") == 1


def test_parallel_forced_refreshes_reuse_the_first_ones_result(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("mfa", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    aws.sts.one_use_codes = True
    procs = [
        start(aws, "mfa", "--refresh", "--shell", "bash", "--mfa-code", CODE) for _ in range(6)
    ]
    for code, _out, err in finish(procs):
        assert code == 0, err
    assert aws.sts.calls == {"GetSessionToken": 1}


def test_two_terminals_started_together_show_one_prompt(aws: AwsEnv) -> None:
    aws.seed()
    aws.sts.one_use_codes = True
    line = f'out="$({AWSENV} dev --shell bash)" && eval "$out"; echo "rc=$? key=$AWS_ACCESS_KEY_ID"'
    terminals = [spawn(aws, "bash", "--norc", "--noprofile") for _ in range(2)]
    for terminal in terminals:
        terminal.sendline(line)
    prompted = []
    waited = []
    for terminal in terminals:
        which = terminal.expect([PROMPT, WAITING])
        (prompted if which == 0 else waited).append(terminal)
    assert len(prompted) == 1 and len(waited) == 1
    assert waited[0].match.group(2) == "dev"
    prompted[0].sendline(CODE)
    keys = set()
    for terminal in terminals:
        terminal.expect(r"rc=0 key=(ASIA\w+)")
        keys.add(terminal.match.group(1))
    assert len(keys) == 1
    # The waiter never showed a prompt of its own.
    waited[0].sendline("echo done")
    waited[0].expect("done")
    assert "MFA code for" not in (waited[0].before or "")
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    for terminal in terminals:
        terminal.sendline("exit")
        terminal.expect(pexpect.EOF)


def test_eight_terminals_from_a_cold_cache_show_one_prompt_and_all_succeed(
    aws: AwsEnv,
) -> None:
    """The race of issue 6 as people meet it: eight terminals, each asking on
    its own terminal, with codes accepted once. One prompt, one code, one call."""
    aws.seed()
    aws.sts.one_use_codes = True
    line = f'out="$({AWSENV} dev --shell bash)" && eval "$out"; echo "rc=$? key=$AWS_ACCESS_KEY_ID"'
    terminals = [spawn(aws, "bash", "--norc", "--noprofile", "-c", line) for _ in range(8)]
    prompted: list[pexpect.spawn] = []
    deadline = time.monotonic() + 60
    while not prompted and time.monotonic() < deadline:
        for terminal in terminals:
            if terminal.expect([PROMPT, pexpect.TIMEOUT, pexpect.EOF], timeout=0.2) == 0:
                prompted.append(terminal)
    assert len(prompted) == 1
    prompted[0].sendline(CODE)
    keys = set()
    for terminal in terminals:
        terminal.expect(r"rc=(\d+) key=(\S*)")
        assert terminal.match.group(1) == "0", terminal.before
        keys.add(terminal.match.group(2))
        terminal.expect(pexpect.EOF)
        if terminal is not prompted[0]:
            assert "MFA code for" not in (terminal.before or "")
    assert len(keys) == 1 and keys.pop() in aws.sts.session_tokens
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}


def holder_at_the_prompt(aws: AwsEnv) -> pexpect.spawn:
    """An awsenv that took the refresh lock and now waits for a code."""
    child = spawn(aws, AWSENV, "dev", "--shell", "bash")
    child.expect(PROMPT)
    return child


def test_a_waiter_gives_up_after_the_lock_timeout(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    holder = holder_at_the_prompt(aws)
    started = time.monotonic()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env={"AWSENV_LOCK_TIMEOUT": "1"})
    assert time.monotonic() - started < 20
    assert result.returncode == errors.LockTimeoutError.exit_code
    assert result.stdout == ""
    # No terminal to watch the wait: the failure is the one line, and says it all.
    (line,) = result.stderr.splitlines()
    assert f"gave up after 1 s waiting for another awsenv (pid {holder.pid}) refreshing dev" in line
    assert str(aws.cache / "locks") in line and "AWSENV_LOCK_TIMEOUT" in line
    assert aws.snapshot() == before
    holder.sendintr()
    holder.expect(pexpect.EOF)


def test_interrupt_while_waiting_exits_130_and_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    before = aws.snapshot()
    holder = holder_at_the_prompt(aws)
    waiter = spawn(aws, AWSENV, "dev", "--shell", "bash", "--mfa-code", CODE)
    waiter.expect(WAITING)
    waiter.sendintr()
    waiter.expect("interrupted; nothing was changed")
    waiter.expect(pexpect.EOF)
    waiter.close()
    assert waiter.exitstatus == 130
    assert "Traceback" not in (waiter.before or "")
    assert aws.snapshot() == before
    assert aws.sts.calls == {}
    holder.sendintr()
    holder.expect(pexpect.EOF)


def test_a_killed_holder_never_blocks_the_next_run(aws: AwsEnv) -> None:
    aws.seed()
    holder = holder_at_the_prompt(aws)
    os.kill(holder.pid, signal.SIGKILL)
    holder.expect(pexpect.EOF)
    started = time.monotonic()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env={"AWSENV_LOCK_TIMEOUT": "5"})
    assert result.returncode == 0, result.stderr
    assert "waiting" not in result.stderr
    assert time.monotonic() - started < 5
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}


@pytest.mark.parametrize("value", ["soon", "-1", "86401", "nan"])
def test_a_bad_lock_timeout_is_a_usage_error(aws: AwsEnv, value: str) -> None:
    aws.seed()
    result = aws.run(
        "dev", "--shell", "bash", "--mfa-code", CODE, env={"AWSENV_LOCK_TIMEOUT": value}
    )
    assert result.returncode == errors.UsageError.exit_code
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "AWSENV_LOCK_TIMEOUT" in result.stderr
    assert aws.sts.calls == {}


def test_the_waiting_line_names_the_mfa_session_profile(aws: AwsEnv) -> None:
    aws.seed()
    holder = spawn(aws, AWSENV, "mfa", "--shell", "bash")
    holder.expect(re.compile(r"(?m)^MFA code for " + re.escape(MFA_SERIAL)))
    # prod's own role lock is free: it waits on the session underneath. The
    # line is for a person watching: stderr on a terminal, the code captured.
    out = aws.root / "out"
    waiter = spawn(
        aws, "bash", "-c", f'"{AWSENV}" prod --shell bash --mfa-code {CODE} >"{out}"; echo "rc=$?"'
    )
    waiter.expect(WAITING)
    assert (int(waiter.match.group(1)), waiter.match.group(2)) == (holder.pid, "mfa")
    holder.sendline(CODE)
    holder.expect(pexpect.EOF)
    waiter.expect(r"rc=(\d+)")
    assert waiter.match.group(1) == "0", waiter.before
    assert "export AWS_PROFILE='prod'" in out.read_text()
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}


def test_a_waiter_goes_on_when_the_holder_fails_and_takes_its_lock_away(aws: AwsEnv) -> None:
    """A failed run removes the lock file and the cache directories it made;
    the run waiting on that lock makes them again and does the refresh itself."""
    aws.seed()
    holder = holder_at_the_prompt(aws)  # from a cold cache: it made them all
    waiter = spawn(aws, AWSENV, "dev", "--shell", "bash", "--mfa-code", CODE)
    waiter.expect(WAITING)
    holder.sendintr()
    holder.expect("interrupted; nothing was changed")
    holder.expect(pexpect.EOF)
    waiter.expect(pexpect.EOF)
    waiter.close()
    assert waiter.exitstatus == 0, waiter.before
    assert "Traceback" not in (waiter.before or "")
    assert aws.sts.calls == {"GetSessionToken": 1, "AssumeRole": 1}
    assert len(list((aws.cache / "locks").iterdir())) == 2  # the waiter's own

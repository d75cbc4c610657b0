"""nushell, in the real shell (the official build from the npm registry):
`awsenv dev --shell nu | from json | load-env` reads every value back exactly
and runs none of it; `awsenv init nu` gives a wrapper that keeps awsenv's
status, passes the other subcommands and the user's own --shell through, and
removes what the record does not set (`awsenv unset` removes everything); a
prompt hook that warns without starting a process; completion; detection."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pytest
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv, require
from hypothesis import HealthCheck, given, settings
from realshells import NU, evaluate
from test_fast_path import probe
from test_prompt_processes import PROMPTS
from test_quoting import (
    CORPUS_VALUES,
    batch_strategy,
    canary_values,
    exports_for,
    mismatches,
    names_for,
)

from awsenv import quoting
from awsenv.core.exports import MANAGED
from awsenv.errors import UsageError
from awsenv.render.templates import render_exports
from awsenv.shell import lookup


def check_corpus(values: list[str], tmp: Path) -> None:
    canary = tmp / "CANARY"
    values = [*values, *canary_values(canary), f"(touch {canary})", f"^touch {canary}"]
    code = render_exports(lookup("nu"), exports_for(values))
    assert code.count("\n") == 1, "one JSON record on one line"
    result = evaluate("nu", code, names_for(values), tmp)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not canary.exists(), "a value was run as code"
    wrong = mismatches(dict(zip(names_for(values), values, strict=True)), result.variables)
    assert not wrong, "\n".join(wrong)


def test_corpus_round_trips_in_nu(tmp_path: Path) -> None:
    require(NU)
    check_corpus(CORPUS_VALUES, tmp_path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=batch_strategy)
def test_random_values_round_trip_in_nu(values: list[str]) -> None:
    require(NU)
    with tempfile.TemporaryDirectory() as tmp:
        check_corpus(values, Path(tmp))


def test_the_export_is_a_json_record_of_what_to_set() -> None:
    code = render_exports(lookup("nu"), exports_for(["it's", '"\\', "\u2019\n"]))
    assert json.loads(code) == {"AWSENV_T0": "it's", "AWSENV_T1": '"\\', "AWSENV_T2": "\u2019\n"}
    with pytest.raises(UsageError):
        quoting.nu("a\x00b")


def nu_script(aws: AwsEnv, body: str) -> subprocess.CompletedProcess[str]:
    """A script that sources the integration as config.nu would."""
    require(NU)
    init = aws.root / "awsenv.nu"
    proc = aws.command([NU, "-n", "-c", f"awsenv init nu | save -f {init}"])
    assert proc.returncode == 0, proc.stderr
    return aws.command([NU, "-n", "-c", f"source {init}\n{body}"])


def test_export_sets_what_bash_sets(aws: AwsEnv, tmp_path: Path) -> None:
    require(NU)
    aws.seed()
    assert aws.run("dev", "--mfa-code", CODE).returncode == 0
    bash = evaluate("bash", aws.run("dev", "--shell", "bash").stdout, list(MANAGED), tmp_path)
    nu = evaluate("nu", aws.run("dev", "--shell", "nu").stdout, list(MANAGED), tmp_path)
    assert nu.variables == bash.variables
    assert nu.variables["AWS_ACCESS_KEY_ID"].startswith("ASIA")


# A failed external fails the command that ran it: nushell's error carries
# the exit status (and $env.LAST_EXIT_CODE holds it at the prompt).
STATUS = 'try {{ {call}; print "{label} 0" }} catch {{|e| print $"{label} ($e.exit_code)" }}\n'


def test_wrapper_keeps_the_status_and_failure_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        STATUS.format(call=f"awsenv dev --mfa-code {CODE}", label="ok")
        + "let key = $env.AWS_ACCESS_KEY_ID\n"
        + STATUS.format(call="awsenv nope", label="nope")
        + STATUS.format(call="awsenv dev --mfa-code 12", label="bad")
        + 'print $"same ($env.AWS_ACCESS_KEY_ID == $key) ($env.AWS_PROFILE) ($env.AWS_REGION)"\n',
    )
    assert proc.stdout == "ok 0\nnope 3\nbad 2\nsame true dev eu-central-1\n", proc.stderr


def test_unset_through_the_wrapper_removes_everything(aws: AwsEnv) -> None:
    aws.seed()
    names = " ".join(MANAGED)
    proc = nu_script(
        aws,
        f"awsenv dev --mfa-code {CODE}\n"
        "$env.AWS_SECURITY_TOKEN = 'legacy'\n$env.KEEP_ME = 'x'\n"
        + STATUS.format(call="awsenv unset", label="unset")
        + f"print ([{names}] | where {{|n| $n in $env }} | to json -r) $env.KEEP_ME\n"
        + STATUS.format(call="awsenv unset", label="again"),
    )
    assert proc.stdout == "unset 0\n[]\nx\nagain 0\n", proc.stderr


def test_an_export_removes_what_it_does_not_set(aws: AwsEnv) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        "$env.AWS_SECURITY_TOKEN = 'stale'\n$env.AWS_PROFILE = 'old'\n"
        f"awsenv dev --mfa-code {CODE}\n"
        "print ('AWS_SECURITY_TOKEN' in $env) $env.AWS_PROFILE\n",
    )
    assert proc.stdout == "false\ndev\n", proc.stderr


@pytest.mark.parametrize("option", ["--shell cmd", "--shell=cmd"])
def test_wrapper_passes_the_users_own_shell_option_through(aws: AwsEnv, option: str) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        "$env.AWS_REGION = 'kept'\n"
        + STATUS.format(call=f"awsenv dev {option}", label="status")
        + "print $env.AWS_REGION\n",
    )
    assert proc.stdout == "status 2\nkept\n", proc.stderr
    assert "unsupported shell 'cmd'" in proc.stderr


def test_a_shell_option_prints_that_shells_code_and_the_idiom_still_works(aws: AwsEnv) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        f"awsenv dev --shell=bash --mfa-code {CODE}\n"
        "print ('AWS_PROFILE' in $env)\n"
        "awsenv dev --shell nu | from json | load-env\n"
        "print $env.AWS_PROFILE\n",
    )
    printed, _, rest = proc.stdout.partition("false\n")
    assert printed == aws.run("dev", "--shell", "bash").stdout, proc.stderr
    assert rest == "dev\n", proc.stderr


def test_process_exec_and_help_pass_through(aws: AwsEnv) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        STATUS.format(call=f"awsenv exec dev --mfa-code {CODE} -- sh -c 'exit 7'", label="exec")
        + "print ((awsenv process dev | str starts-with '{\"Version\": 1') | into string)\n"
        + "print ((awsenv dev --help | str contains 'usage: awsenv') | into string)\n"
        + "print ('AWS_ACCESS_KEY_ID' in $env)\n",
    )
    assert proc.stdout == "exec 7\ntrue\ntrue\nfalse\n", proc.stderr


def test_hook_warns_once_near_expiry_and_once_when_expired(aws: AwsEnv) -> None:
    now = int(time.time())
    proc = nu_script(
        aws,
        f"$env.AWSENV_PROFILE = 'dev'\n$env.AWSENV_EXPIRATION_EPOCH = '{now + 300}'\n"
        "__awsenv_hook\n__awsenv_hook\n"
        f"$env.AWSENV_EXPIRATION_EPOCH = '{now - 5}'\n__awsenv_hook\n__awsenv_hook\n"
        f"$env.AWSENV_WARN_MINUTES = '2'\n$env.AWSENV_EXPIRATION_EPOCH = '{now + 300}'\n"
        "__awsenv_hook\n"
        "print ($env.config.hooks.pre_prompt | length)\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "1\n"  # the hook is installed once
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert "credentials of dev expire in 5 min; run: awsenv dev --refresh" in lines[0]
    assert lines[1] == "awsenv: the credentials of dev have expired; run: awsenv dev"


def test_auto_refresh_renews_the_role_silently(aws: AwsEnv) -> None:
    aws.seed()
    proc = nu_script(
        aws,
        f"awsenv dev --mfa-code {CODE}\nlet old = $env.AWS_ACCESS_KEY_ID\n"
        "$env.AWSENV_AUTO_REFRESH = '1'\n"
        f"$env.AWSENV_EXPIRATION_EPOCH = '{int(time.time()) + 120}'\n"
        "__awsenv_hook\n"
        "print ($env.AWS_ACCESS_KEY_ID != $old) "
        f"(($env.AWSENV_EXPIRATION_EPOCH | into int) > {int(time.time()) + 3000})\n",
    )
    assert proc.stdout == "true\ntrue\n", proc.stderr
    assert "expire" not in proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_starts_no_process(tmp_path: Path) -> None:
    """strace counts the processes nushell starts while running the hook a
    hundred times (nushell needs no terminal for it), against none at all."""
    require(NU)
    require("strace")
    init = tmp_path / "awsenv.nu"
    init.write_text(
        subprocess.run([AWSENV, "init", "nu"], capture_output=True, text=True, check=True).stdout
    )
    epoch = int(time.time()) + 3600

    def processes(calls: str) -> int:
        trace = tmp_path / "trace"
        argv = ["strace", "-f", "-qq", "-e", "trace=fork,vfork,clone,clone3", "-o", str(trace)]
        body = f"source {init}\n$env.AWSENV_EXPIRATION_EPOCH = '{epoch}'\n{calls}\n"
        subprocess.run([*argv, NU, "-n", "-c", body], check=True, capture_output=True)
        calls_seen = [line for line in trace.read_text().splitlines() if "(" in line]
        return sum(1 for ln in calls_seen if "CLONE_THREAD" not in ln and "= -1" not in ln)

    baseline = processes("")
    assert processes("1..100 | each { __awsenv_hook } | ignore") == baseline
    # The control: the same count sees a process per call.
    assert processes("1..100 | each { ^true } | ignore") >= baseline + 100


def test_calling_shell_is_detected(aws: AwsEnv) -> None:
    require(NU)
    aws.seed()
    proc = aws.command([NU, "-n", "-c", f"^{AWSENV} dev --mfa-code {CODE} | save out.txt; 0"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads((aws.root / "out.txt").read_text())["AWS_PROFILE"] == "dev"


ODD = 'it\'s "ünï" $HOME'
# As the completer inserts it: a nushell double-quoted string (the TAB test
# below proves nushell reads it back as ODD).
QUOTED_ODD = '"it\'s \\"ünï\\" $HOME"'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("awsenv d", ["dev"]),
        ("awsenv li", ["list"]),
        ("awsenv it", [QUOTED_ODD]),
        ("awsenv explain ze", ["zeta"]),
        ("awsenv list --n", ["--names"]),
        ("awsenv -p ", ["dev", QUOTED_ODD, "zeta"]),
    ],
)
def test_completer_offers_subcommands_options_and_names(
    aws: AwsEnv, line: str, expected: list[str]
) -> None:
    aws.write(
        "[profile dev]\nregion = eu-west-1\n",
        f"[zeta]\naws_access_key_id = AKIAEXAMPLEZETA00001\naws_secret_access_key = s\n\n"
        f"[{ODD}]\naws_access_key_id = AKIAEXAMPLEODD000001\naws_secret_access_key = s\n",
    )
    proc = nu_script(aws, f"print (__awsenv_complete {json.dumps(line)} | to json -r)")
    assert sorted(json.loads(proc.stdout)) == sorted(expected), proc.stderr


def test_repeat_export_and_init_are_served_from_their_memos(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "nu", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert aws.run("init", "nu").returncode == 0
    aws.sts.reset()
    for argv in (["dev", "--shell", "nu"], ["init", "nu"]):
        assert probe(aws, tmp_path / "p.json", *argv) == {"code": 0, "loaded": []}
    assert aws.run("dev", "--shell", "nu").stdout == first.stdout
    assert aws.sts.calls == {}


class Interactive:
    """nushell on a pseudo-terminal with the integration sourced from
    config.nu. reedline asks the terminal where the cursor is (ESC [ 6 n)
    and waits for the answer, which this gives."""

    def __init__(self, aws: AwsEnv) -> None:
        require(NU)
        init = aws.root / "awsenv.nu"
        proc = aws.command([NU, "-n", "-c", f"awsenv init nu | save -f {init}"])
        assert proc.returncode == 0, proc.stderr
        config = aws.root / "config.nu"
        config.write_text(
            '$env.PROMPT_COMMAND = {|| "READY> " }\n$env.PROMPT_INDICATOR = ""\n'
            '$env.PROMPT_COMMAND_RIGHT = ""\n$env.config.show_banner = false\n'
            f"source {init}\n"
            'def showargs [...words] { print $"<($words | to json -r)>" }\n'
        )
        env = {**aws.environ, "TERM": "dumb"}
        env.pop("PYTHONUNBUFFERED", None)
        self.child = pexpect.spawn(
            NU,
            ["--config", str(config), "--env-config", "/dev/null"],
            env=env,
            cwd=str(aws.root),
            encoding="utf-8",
            timeout=40,
            dimensions=(40, 300),
        )
        self.wait("READY> ")

    def wait(self, text: str) -> str:
        seen = ""
        while self.child.expect_exact(["\x1b[6n", text]) == 0:
            seen += self.child.before
            self.child.send("\x1b[1;1R")
        return seen + self.child.before

    def run(self, line: str) -> str:
        """Run `line`; what it printed (a marker ends it: reedline redraws
        the prompt at every key)."""
        self.child.send(line + "; print ('DO' + 'NE')\r")
        return self.wait("DONE")

    def close(self) -> None:
        self.child.close(force=True)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("awsenv d", ["awsenv", "dev"]),
        ("awsenv li", ["awsenv", "list"]),
        ("awsenv it", ["awsenv", ODD]),
        ("awsenv explain ze", ["awsenv", "explain", "zeta"]),
    ],
)
def test_tab_completes_what_nushell_reads_back_exactly(
    aws: AwsEnv, typed: str, expected: list[str]
) -> None:
    aws.write(
        "[profile dev]\nregion = eu-west-1\n",
        f"[zeta]\naws_access_key_id = AKIAEXAMPLEZETA00001\naws_secret_access_key = s\n\n"
        f"[{ODD}]\naws_access_key_id = AKIAEXAMPLEODD000001\naws_secret_access_key = s\n",
    )
    shell = Interactive(aws)
    try:
        shell.child.send(typed + "\t")
        time.sleep(2)  # the completer runs `awsenv list --names`
        # Turn the line into `showargs awsenv ...`: its words as nushell reads them.
        shell.child.send("\x01showargs \r")
        shell.wait("<[")
        shell.child.expect(r"([^\r\n]*?)\]>")
        assert json.loads("[" + shell.child.match.group(1) + "]") == expected
    finally:
        shell.close()


def test_wrapper_prompts_on_the_terminal_and_changes_the_shell(aws: AwsEnv) -> None:
    aws.seed()
    shell = Interactive(aws)
    try:
        shell.child.send("awsenv dev\r")
        shell.wait(f"MFA code for {MFA_SERIAL}: ")
        shell.child.send(CODE + "\r")
        shell.wait("READY> ")
        printed = shell.run(
            "print $'<($env.AWS_PROFILE)|($env.AWS_ACCESS_KEY_ID | str substring 0..3)>'"
        )
        assert "<dev|ASIA>" in printed
    finally:
        shell.close()
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_hook_warns_at_a_real_prompt_once(aws: AwsEnv) -> None:
    shell = Interactive(aws)
    try:
        epoch = int(time.time()) + 300
        shell.run(f"$env.AWSENV_PROFILE = 'dev'; $env.AWSENV_EXPIRATION_EPOCH = '{epoch}'")
        shell.child.expect(r"credentials of dev expire in [45] min; run: awsenv dev --refresh")
        assert "expire in" not in shell.run("print next") + shell.run("print again")
    finally:
        shell.close()


@pytest.mark.parametrize(
    "name", ["nu", "nushell", "/usr/bin/nu", "/x/node_modules/@nushell/linux-x64/bin/nu"]
)
def test_names_and_paths_resolve_to_nu(name: str) -> None:
    assert lookup(name).name == "nu"


def test_shellingham_answer_resolves_to_nu(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the parent is not the shell (a wrapper script between them)."""
    import shellingham

    from awsenv import shell

    monkeypatch.setattr(shell, "parent_shell", lambda: None)
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("nu", NU))
    assert shell.detect().name == "nu"


def prompt_processes(tmp: Path, rc: str) -> int:
    """Processes an interactive nushell starts (fork, vfork, clone of a
    process, not of a thread) over PROMPTS prompts, with `rc` as config.nu,
    counted by strace as tests/test_prompt_processes.py counts them."""
    config = tmp / "config.nu"
    config.write_text(
        '$env.PROMPT_COMMAND = {|| "READY> " }\n$env.PROMPT_INDICATOR = ""\n'
        '$env.PROMPT_COMMAND_RIGHT = ""\n$env.config.show_banner = false\n' + rc
    )
    trace = tmp / "trace"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "TERM": "dumb",
        "LANG": "C.UTF-8",
        # Exported credentials that expire in an hour: nothing near expiry.
        "AWSENV_EXPIRATION_EPOCH": str(int(time.time()) + 3600),
        "AWSENV_PROFILE": "dev",
    }
    nu = [NU, "--config", str(config), "--env-config", "/dev/null"]
    child = pexpect.spawn(
        "strace",
        ["-f", "-qq", "-e", "trace=fork,vfork,clone,clone3", "-o", str(trace), *nu],
        env=env,
        cwd=str(tmp),
        encoding="utf-8",
        timeout=40,
    )

    def wait(text: str) -> None:
        while child.expect_exact(["\x1b[6n", text]) == 0:
            child.send("\x1b[1;1R")  # reedline asks where the cursor is

    wait("READY> ")
    for _ in range(PROMPTS):
        child.send("\r")
        wait("READY> ")
    child.send("exit\r")
    while child.expect(["\x1b\\[6n", pexpect.EOF]) == 0:
        child.send("\x1b[1;1R")
    calls = [line for line in trace.read_text().splitlines() if "(" in line]
    return sum(1 for line in calls if "CLONE_THREAD" not in line and "= -1" not in line)


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_starts_no_process_at_a_real_prompt(tmp_path: Path) -> None:
    require(NU)
    require("strace")
    init = tmp_path / "awsenv.nu"
    init.write_text(
        subprocess.run([AWSENV, "init", "nu"], capture_output=True, text=True, check=True).stdout
    )
    without = prompt_processes(tmp_path, "")
    with_hook = prompt_processes(tmp_path, f"source {init}\n")
    assert with_hook - without <= 0, (without, with_hook)
    # The control: a pre_prompt hook that does start a process is counted (at
    # nearly every prompt: a few keys may arrive before nushell draws one).
    starting = "$env.config.hooks.pre_prompt = [{|| ^true }]\n"
    assert prompt_processes(tmp_path, starting) - without >= PROMPTS * 9 // 10


def test_failure_at_the_prompt_is_awsenvs_line_and_its_status(aws: AwsEnv) -> None:
    """At the prompt a failed `awsenv` shows awsenv's own line (no error box
    of nushell's) and leaves its status in $env.LAST_EXIT_CODE."""
    aws.seed()
    shell = Interactive(aws)
    try:
        shell.child.send("$env.AWS_REGION = 'kept'\r")
        shell.child.send("awsenv nope\r")
        printed = shell.run("print $'rc=($env.LAST_EXIT_CODE) region=($env.AWS_REGION)'")
    finally:
        shell.close()
    assert "awsenv: unknown profile 'nope'" in printed
    assert "rc=3 region=kept" in printed
    assert "Error" not in printed and "nu::" not in printed

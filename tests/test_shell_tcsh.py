"""tcsh: the exports read back exactly through eval "`...`" (in a script and at
an interactive prompt, where `!` is history), line breaks refused, and the
`awsenv init tcsh` integration (wrapper, prompt hook, completion) in a real
interactive tcsh on a pseudo-terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pytest
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv, require
from hypothesis import HealthCheck, given, settings
from realshells import UTF8_LOCALE, evaluate
from test_quoting import (
    CORPUS,
    PRESET,
    UNSET,
    batch_strategy,
    canary_values,
    mismatches,
    names_for,
    render,
)

from awsenv import quoting
from awsenv.errors import UsageError
from awsenv.shell import Shell, lookup

LINE_BREAKS = ("\n",)
# The corpus, but for values with a line break, which tcsh cannot carry.
CARRIED = [(name, value) for name, value in CORPUS if not any(c in value for c in LINE_BREAKS)]
REFUSED = [(name, value) for name, value in CORPUS if any(c in value for c in LINE_BREAKS)]


def carried_canaries(canary: Path) -> list[str]:
    return [v for v in canary_values(canary) if not any(c in v for c in LINE_BREAKS)]


def check_in_tcsh(values: list[str], tmp: Path) -> None:
    """test_quoting's check, with the canaries tcsh can carry."""
    canary = tmp / "CANARY"
    values = [*values, *carried_canaries(canary)]
    result = evaluate("tcsh", render("tcsh", values), [*names_for(values), *UNSET], tmp, PRESET)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not canary.exists(), "a value was run as code"
    wrong = mismatches(dict(zip(names_for(values), values, strict=True)), result.variables)
    assert not wrong, "\n".join(wrong)


@pytest.fixture(autouse=True)
def tcsh() -> None:
    require("tcsh")


# --- the exports --------------------------------------------------------------------


def test_corpus_round_trips_in_tcsh(tmp_path: Path) -> None:
    check_in_tcsh([v for _, v in CARRIED], tmp_path)


@pytest.mark.parametrize("value", [v for _, v in CARRIED], ids=[n for n, _ in CARRIED])
def test_each_corpus_value_alone_round_trips_in_tcsh(value: str, tmp_path: Path) -> None:
    check_in_tcsh([value], tmp_path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=batch_strategy)
def test_random_values_round_trip_in_tcsh(values: list[str]) -> None:
    values = [v.replace("\n", "") for v in values]
    with tempfile.TemporaryDirectory() as tmp:
        check_in_tcsh(values, Path(tmp))


@pytest.mark.parametrize("value", [v for _, v in REFUSED], ids=[n for n, _ in REFUSED])
def test_a_line_break_is_refused_in_one_line(value: str) -> None:
    with pytest.raises(UsageError, match="line break"):
        render("tcsh", ["fine", value])


def test_canary_fires_when_a_wrong_quoter_lets_code_run(tmp_path: Path) -> None:
    broken = Shell("tcsh", lookup("tcsh").template, lambda value: f"'{value}'")
    values = [f"'; touch {tmp_path / 'CANARY'}; '"]
    evaluate("tcsh", render(broken, values), names_for(values), tmp_path)
    assert (tmp_path / "CANARY").exists()


def test_corpus_round_trips_at_an_interactive_prompt(tmp_path: Path) -> None:
    """At a prompt `!` is history expansion, even inside single quotes: each
    one is escaped outside them, and the values come back exactly."""
    canary = tmp_path / "CANARY"
    values = [*(v for _, v in CARRIED), *carried_canaries(canary), "!! !$ !-1 !x \\!"]
    code = tmp_path / "code.tcsh"
    code.write_bytes(render("tcsh", values).encode())
    out = tmp_path / "out.bin"
    dump = (
        "import os, sys; sys.stdout.buffer.write(b''.join("
        "os.environb[n.encode()] + bytes([0]) for n in sys.argv[1:]))"
    )
    (tmp_path / "dump.py").write_text(dump)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TERM": "dumb"}
    env |= {"LANG": UTF8_LOCALE, "LC_ALL": UTF8_LOCALE}
    child = pexpect.spawn("tcsh", ["-f"], env=env, cwd=str(tmp_path), timeout=60)
    child.sendline("set prompt = 'READY> '")
    child.sendline(f'eval "`cat {code}`"; echo EVALED $status')
    child.expect(rb"EVALED (\d+)")
    assert child.match.group(1) == b"0"
    names = " ".join(names_for(values))
    child.sendline(f"{sys.executable} dump.py {names} > {out}; echo DU''MPED")
    child.expect(b"DUMPED")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    got = out.read_bytes().decode().split("\0")[:-1]
    assert not canary.exists(), "a value was run as code"
    names = names_for(values)
    wrong = mismatches(dict(zip(names, values, strict=True)), dict(zip(names, got, strict=False)))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a!b", "'a'\\!'b'"), ("\\'", "\\\\\\'"), ("x y", "'x y'"), ("\u2019", "'\u2019'")],
)
def test_tcsh_quoting_table(value: str, expected: str) -> None:
    assert quoting.tcsh(value) == expected


# --- the integration, in an interactive tcsh -------------------------------------

READY = "READY> "
MFA_PROMPT = re.compile(r"(?m)^MFA code for " + re.escape(MFA_SERIAL) + ": ")


class Tcsh:
    """An interactive tcsh with `eval "`awsenv init tcsh`"` loaded."""

    def __init__(self, aws: AwsEnv, *, runtime_dir: bool = True) -> None:
        env = dict(aws.environ)
        env.pop("PYTHONUNBUFFERED", None)
        env["TERM"] = "dumb"
        if runtime_dir:
            (aws.root / "run").mkdir(mode=0o700, exist_ok=True)
            env["XDG_RUNTIME_DIR"] = str(aws.root / "run")
        self.child = pexpect.spawn(
            "tcsh",
            ["-f"],
            env=env,
            cwd=str(aws.root),
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 400),
        )
        self.child.sendline(f"set prompt = '{READY}'")
        self.child.sendline('eval "`awsenv init tcsh`"')
        loaded = self.sync()
        for trouble in ("not found", "Unmatched", "rror", "Faulty", "Undefined"):
            assert trouble not in loaded, loaded

    def sync(self) -> str:
        marker = f"SYNC{time.monotonic_ns()}"
        self.child.sendline(f"echo {marker[:4]}''{marker[4:]}")
        self.child.expect_exact(marker)
        self.seen: str = self.child.before
        self.child.expect_exact(READY)
        return self.seen

    def status_of(self, command: str) -> int:
        self.child.sendline(f"{command}; echo RC==$status==")
        self.child.expect(r"RC==(\d+)==")
        code = int(self.child.match.group(1))
        self.sync()
        return code

    def value(self, name: str) -> str | None:
        """The value, or None when it is not set (printenv prints nothing)."""
        self.child.sendline(f"echo BEGIN''VALUE; if ($?{name}) printenv {name}; echo END''VALUE")
        self.child.expect(r"BEGINVALUE\r\n((?:.*\r\n)?)ENDVALUE")
        found = self.child.match.group(1)
        self.sync()
        return found[:-2] if found else None


def test_wrapper_prompts_on_the_terminal_and_changes_the_shell(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    session.child.sendline("awsenv dev")
    session.child.expect(MFA_PROMPT)
    session.child.sendline(CODE)
    session.sync()
    assert session.value("AWS_PROFILE") == "dev"
    assert (session.value("AWS_ACCESS_KEY_ID") or "").startswith("ASIA")
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_failure_keeps_the_status_and_leaves_the_environment(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    key = session.value("AWS_ACCESS_KEY_ID")
    assert session.status_of("awsenv nope") == 3
    assert session.status_of("awsenv dev --mfa-code 12") == 2
    assert session.value("AWS_ACCESS_KEY_ID") == key
    assert session.value("AWS_PROFILE") == "dev"


def test_unset_through_the_wrapper_removes_everything(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    assert session.status_of("awsenv unset") == 0
    for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWSENV_EXPIRATION_EPOCH", "AWS_REGION"):
        assert session.value(name) is None
    assert session.status_of("awsenv unset") == 0  # again, with nothing set


def test_other_subcommands_pass_through_with_their_status(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    session.child.sendline("awsenv --version")
    session.child.expect(r"awsenv \d+\.\d+")
    session.sync()
    assert session.status_of(f"awsenv exec dev --mfa-code {CODE} -- sh -c 'exit 7'") == 7
    session.child.sendline("awsenv process dev")
    session.child.expect(r'\{"Version": 1, "AccessKeyId": "ASIA')  # printed, not evaluated
    session.sync()
    assert session.status_of("awsenv process nope") == 3
    assert session.status_of("awsenv exec dev -- no-such-command-awsenv") == 127
    assert session.status_of("awsenv init cmd") == 2
    assert session.value("AWS_ACCESS_KEY_ID") is None


def test_help_anywhere_passes_through_and_is_not_evaluated(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    session.child.sendline("awsenv dev --help")
    session.child.expect("usage: awsenv")
    printed = session.sync()
    assert "Command not found" not in printed and "rror" not in printed
    assert session.status_of("awsenv dev --version") == 0
    assert session.value("AWS_PROFILE") is None


@pytest.mark.parametrize("option", ["--shell cmd", "--shell=cmd"])
def test_wrapper_passes_the_users_own_shell_option_through(aws: AwsEnv, option: str) -> None:
    aws.seed()
    session = Tcsh(aws)
    session.child.sendline(f"awsenv dev {option}; echo RC==$status==")
    session.child.expect(r"unsupported shell 'cmd'.*RC==(\d+)==")
    assert session.child.match.group(1) == "2"
    session.sync()
    assert session.value("AWS_PROFILE") is None


def test_a_shell_option_prints_that_shells_code_and_the_idiom_still_works(aws: AwsEnv) -> None:
    """With the alias, eval "`awsenv dev --shell tcsh`" runs the alias in the
    backquotes' subshell: it must print the code there, not source it."""
    aws.seed()
    session = Tcsh(aws)
    # awsenv itself, at a terminal: it prints no code there, and nothing runs.
    session.child.sendline(f"awsenv dev --shell=bash --mfa-code {CODE}")
    session.child.expect("nothing was exported")
    session.sync()
    assert session.value("AWS_PROFILE") is None
    session.child.sendline('eval "`awsenv dev --shell tcsh`"')
    session.sync()
    assert session.value("AWS_PROFILE") == "dev"


def test_names_with_spaces_and_quotes_reach_awsenv_as_typed(aws: AwsEnv) -> None:
    session = Tcsh(aws)
    session.child.sendline('awsenv "it\'s a" --mfa-code 123456; echo RC==$status==')
    session.child.expect(r"unknown profile \"it's a\".*RC==3==")
    session.sync()


def test_wrapper_and_hook_work_under_noclobber(aws: AwsEnv) -> None:
    """`set noclobber` is common in tcsh: the code file and the clock file are
    written with `>!`, and nothing is left behind."""
    aws.seed()
    session = Tcsh(aws)
    session.child.sendline("set noclobber")
    session.sync()
    for _ in range(2):
        assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    assert "exists" not in session.sync()
    assert session.value("AWS_PROFILE") == "dev"
    private = aws.root / "run" / "awsenv-tcsh"
    assert [p.name for p in (aws.root / "run").iterdir()] == ["awsenv-tcsh"]
    assert [p.name for p in private.iterdir()] == ["clock"]
    assert private.stat().st_mode & 0o777 == 0o700


def test_a_private_directory_that_is_a_link_is_refused(aws: AwsEnv, tmp_path: Path) -> None:
    """After `su`, XDG_RUNTIME_DIR may still be another user's: the code (the
    keys) goes only to a directory of the user's own, never through a link."""
    aws.seed()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (aws.root / "run").mkdir(exist_ok=True)
    (aws.root / "run" / "awsenv-tcsh").symlink_to(elsewhere)
    session = Tcsh(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 1
    assert session.value("AWS_PROFILE") in (None, "")
    assert list(elsewhere.iterdir()) == []


def test_hook_joins_the_users_own_precmd_once(aws: AwsEnv) -> None:
    session = Tcsh(aws)
    session.child.sendline("alias precmd 'echo MINE''-RAN'")
    session.child.sendline('eval "`awsenv init tcsh`"; eval "`awsenv init tcsh`"')
    session.sync()
    session.child.sendline("alias precmd")
    session.child.expect(r"\r\n(echo .*)\r\n")
    assert session.child.match.group(1).count("__awsenv_hook") == 1
    session.sync()
    export_epoch(session, int(time.time()) + 300)
    session.child.expect("MINE-RAN")
    session.child.expect("expire in [45] min")
    session.sync()


def export_epoch(session: Tcsh, epoch: int) -> None:
    session.child.sendline(f"setenv AWSENV_EXPIRATION_EPOCH {epoch}; setenv AWSENV_PROFILE dev")


@pytest.mark.parametrize("runtime_dir", [True, False], ids=["file clock", "date"])
def test_hook_warns_once_near_expiry_and_once_when_expired(aws: AwsEnv, runtime_dir: bool) -> None:
    session = Tcsh(aws, runtime_dir=runtime_dir)
    export_epoch(session, int(time.time()) + 300)
    session.child.expect(r"credentials of dev expire in [45] min; run: awsenv dev --refresh")
    session.sync()
    session.child.sendline("")
    session.child.sendline("")
    assert "expire in" not in session.sync()  # once, not at every prompt
    export_epoch(session, int(time.time()) - 5)
    session.child.expect("credentials of dev have expired; run: awsenv dev")
    session.sync()
    assert session.status_of("sh -c 'exit 4'") == 4  # the hook keeps $status


def test_hook_threshold_comes_from_the_environment(aws: AwsEnv) -> None:
    session = Tcsh(aws)
    session.child.sendline("setenv AWSENV_WARN_MINUTES 2")
    session.sync()
    export_epoch(session, int(time.time()) + 300)
    session.child.sendline("")
    assert "expire" not in session.sync()
    export_epoch(session, int(time.time()) + 90)
    assert "expire in 2 min" in session.sync()


def test_auto_refresh_renews_the_role_silently(aws: AwsEnv) -> None:
    aws.seed()
    session = Tcsh(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    old_key = session.value("AWS_ACCESS_KEY_ID")
    aws.sts.reset()
    session.child.sendline("setenv AWSENV_AUTO_REFRESH 1")
    session.sync()
    session.child.sendline(f"setenv AWSENV_EXPIRATION_EPOCH {int(time.time()) + 120}")
    assert "expire" not in session.sync()
    assert aws.sts.calls == {"AssumeRole": 1}
    assert session.value("AWS_ACCESS_KEY_ID") != old_key
    assert int(session.value("AWSENV_EXPIRATION_EPOCH") or 0) > time.time() + 3000


def test_init_ends_with_its_install_line() -> None:
    code = subprocess.run([AWSENV, "init", "tcsh"], capture_output=True, text=True, check=True)
    last = code.stdout.rstrip("\n").splitlines()[-1]
    assert last == ": 'To install, add this line to ~/.tcshrc: eval \"`awsenv init tcsh`\"'"


# --- completion -----------------------------------------------------------------------


def test_tab_completes_subcommands_and_profile_names(aws: AwsEnv) -> None:
    aws.write("[profile dev]\nregion = eu-west-1\n[profile zeta]\nregion = eu-west-1\n", "")
    session = Tcsh(aws)
    session.child.sendline("set edit")  # tcsh's line editor, off on a dumb terminal
    session.sync()
    for typed, expected in [
        ("awsenv d", "dev"),
        ("awsenv li", "list"),
        ("awsenv explain ze", "zeta"),
        ("awsenv -p ze", "zeta"),
    ]:
        session.child.send(typed + "\t")
        time.sleep(2)  # the completer runs `awsenv list --names`
        session.child.send("\x01")  # beginning of line
        session.child.send("echo '<' ")
        session.child.send("\r")
        session.child.expect(r"\n< awsenv (.*?)\s*\r\n")
        assert session.child.match.group(1).split()[-1] == expected, typed
        session.sync()


# --- detection --------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["tcsh", "csh"])
def test_calling_tcsh_is_detected(aws: AwsEnv, shell: str) -> None:
    require(shell)
    aws.seed()
    # Not the last command, so that tcsh does not exec awsenv in its place.
    proc = aws.command(
        [shell, "-f", "-c", f"{AWSENV} dev --mfa-code {CODE} > out.txt; exit $status"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "setenv AWS_PROFILE 'dev';" in (aws.root / "out.txt").read_text()


# --- what the prompt hook costs ---------------------------------------------------


def processes_at_prompts(tmp: Path, prompts: int, runtime_dir: bool) -> int:
    """Processes an interactive tcsh with the integration started, showing
    `prompts` prompts with credentials exported that expire in an hour."""
    require("strace")
    import test_prompt_processes as counting

    home = tmp / f"home-{prompts}-{runtime_dir}"
    home.mkdir()
    (home / ".tcshrc").write_text(
        f"set prompt = '{counting.MARK}'\n" + 'eval "`awsenv init tcsh`"\n'
    )
    env = {
        "PATH": os.pathsep.join((str(Path(AWSENV).parent), "/usr/bin:/bin")),
        "HOME": str(home),
        "TERM": "dumb",
        "LANG": "C.UTF-8",
        "AWSENV_EXPIRATION_EPOCH": str(int(time.time()) + 3600),
        "AWSENV_PROFILE": "dev",
    }
    if runtime_dir:
        env["XDG_RUNTIME_DIR"] = str(home)
        # What the export that set AWSENV_EXPIRATION_EPOCH made: the private
        # directory the clock file lives in.
        (home / "awsenv-tcsh").mkdir(mode=0o700)
    saved = counting.PROMPTS
    counting.PROMPTS = prompts
    try:
        return counting.count_processes(["tcsh", "-i"], env, home / "trace")
    finally:
        counting.PROMPTS = saved


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_starts_no_process_per_prompt_with_a_runtime_dir(tmp_path: Path) -> None:
    """The clock is an empty file in XDG_RUNTIME_DIR, truncated by a builtin
    and read back with `-M`: 100 prompts start what 1 prompt starts."""
    one = processes_at_prompts(tmp_path, 1, runtime_dir=True)
    hundred = processes_at_prompts(tmp_path, 101, runtime_dir=True)
    assert hundred - one == 0, (one, hundred)


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_costs_one_date_per_prompt_without_a_runtime_dir(tmp_path: Path) -> None:
    """The measured cost where there is no XDG_RUNTIME_DIR: one `date` at
    each prompt while credentials are exported (and the count can see it)."""
    one = processes_at_prompts(tmp_path, 1, runtime_dir=False)
    hundred = processes_at_prompts(tmp_path, 101, runtime_dir=False)
    assert hundred - one == 100, (one, hundred)

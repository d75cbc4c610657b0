"""elvish: the `awsenv init elvish` integration (the wrapper function, the prompt
hook, completion) in a real interactive elvish on a pseudo-terminal. The
exports' corpus runs in test_quoting.py (elvish is one of its real shells)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv, require

READY = "READY> "
# elvish redraws its prompt: the MFA prompt follows escape codes, not a newline.
MFA_PROMPT = re.compile(r"MFA code for " + re.escape(MFA_SERIAL) + ": ")
RC = """\
set edit:prompt = { put 'READY> ' }
set edit:rprompt = { put '' }
eval (awsenv init elvish | slurp)
"""


@pytest.fixture(autouse=True)
def elvish() -> None:
    require("elvish")


class Elvish:
    """An interactive elvish with `eval (awsenv init elvish | slurp)` in its rc.elv."""

    def __init__(self, aws: AwsEnv, env: dict[str, str] | None = None) -> None:
        rc = aws.root / "rc.elv"
        rc.write_text(RC)
        environ = {**aws.environ, "TERM": "dumb", **(env or {})}
        environ.pop("PYTHONUNBUFFERED", None)
        self.child = pexpect.spawn(
            "elvish",
            ["-rc", str(rc)],
            env=environ,
            cwd=str(aws.root),
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 400),
        )
        loaded = self.sync()
        assert "xception" not in loaded and "rror" not in loaded, loaded

    def sync(self) -> str:
        marker = f"SYNC{time.monotonic_ns()}"
        self.child.sendline(f"echo {marker[:4]}''{marker[4:]}")
        self.child.expect_exact(marker + "\r\n")
        self.seen: str = self.child.before
        self.child.expect_exact(READY)
        return self.seen

    def status_of(self, command: str) -> int:
        """0, or the exit status in the exception the command raised."""
        self.child.sendline(
            # Quoted apart, so that the echoed command line cannot match.
            f"try {{ {command}; echo RC'=='0'==' }} "
            f"catch e {{ echo RC'=='$e[reason][exit-status]'==' }}"
        )
        self.child.expect(r"RC==(\d+)==")
        code = int(self.child.match.group(1))
        self.sync()
        return code

    def value(self, name: str) -> str | None:
        self.child.sendline(
            f"if (has-env {name}) {{ echo '<'(get-env {name})'>' }} else {{ echo NOT''SET }}"
        )
        self.child.expect(r"<([^>\r\n]*)>\r?\n|NOTSET")
        found = self.child.match.group(1) if self.child.match.group(0) != "NOTSET" else None
        self.sync()
        return found


def test_wrapper_prompts_on_the_terminal_and_changes_the_shell(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    session.child.sendline("awsenv dev")
    session.child.expect(MFA_PROMPT)
    session.child.sendline(CODE)
    session.sync()
    assert session.value("AWS_PROFILE") == "dev"
    assert (session.value("AWS_ACCESS_KEY_ID") or "").startswith("ASIA")


def test_failure_raises_with_the_status_and_leaves_the_environment(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    key = session.value("AWS_ACCESS_KEY_ID")
    assert session.status_of("awsenv nope") == 3
    assert session.status_of("awsenv dev --mfa-code 12") == 2
    assert session.value("AWS_ACCESS_KEY_ID") == key
    assert session.value("AWS_PROFILE") == "dev"


def test_unset_through_the_wrapper_removes_everything(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    assert session.status_of("awsenv unset") == 0
    for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWSENV_EXPIRATION_EPOCH", "AWS_REGION"):
        assert session.value(name) is None
    assert session.status_of("awsenv unset") == 0


def test_other_subcommands_pass_through_with_their_status(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    session.child.sendline("awsenv --version")
    session.child.expect(r"awsenv \d+\.\d+")
    session.sync()
    assert session.status_of(f"awsenv exec dev --mfa-code {CODE} -- sh -c 'exit 7'") == 7
    session.child.sendline("awsenv process dev")
    session.child.expect(r'\{"Version": 1, "AccessKeyId": "ASIA')  # printed, not evaluated
    session.sync()
    assert session.status_of("awsenv process nope") == 3
    assert session.status_of("awsenv exec dev -- no-such-command-awsenv") == 127
    assert session.value("AWS_ACCESS_KEY_ID") is None


def test_help_anywhere_passes_through_and_is_not_evaluated(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    session.child.sendline("awsenv dev --help")
    session.child.expect("usage: awsenv")
    printed = session.sync()
    assert "xception" not in printed
    assert session.status_of("awsenv dev --version") == 0
    assert session.value("AWS_PROFILE") is None


@pytest.mark.parametrize("option", ["--shell cmd", "--shell=cmd"])
def test_wrapper_passes_the_users_own_shell_option_through(aws: AwsEnv, option: str) -> None:
    aws.seed()
    session = Elvish(aws)
    session.child.sendline(
        f"try {{ awsenv dev {option} }} catch e {{ echo RC'=='$e[reason][exit-status]'==' }}"
    )
    session.child.expect(r"unsupported shell 'cmd'.*RC==(\d+)==")
    assert session.child.match.group(1) == "2"
    session.sync()
    assert session.value("AWS_PROFILE") is None


def test_a_shell_option_prints_that_shells_code_and_the_idiom_still_works(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    # awsenv itself, at a terminal: it prints no code there, and nothing runs.
    session.child.sendline(f"awsenv dev --shell=bash --mfa-code {CODE}")
    session.child.expect("nothing was exported")
    session.sync()
    assert session.value("AWS_PROFILE") is None
    session.child.sendline("eval (awsenv dev --shell elvish | slurp)")
    session.sync()
    assert session.value("AWS_PROFILE") == "dev"


def export_epoch(session: Elvish, epoch: int) -> None:
    session.child.sendline(f"set-env AWSENV_EXPIRATION_EPOCH {epoch}; set-env AWSENV_PROFILE dev")


def test_hook_warns_once_near_expiry_and_once_when_expired(aws: AwsEnv) -> None:
    session = Elvish(aws)
    export_epoch(session, int(time.time()) + 300)
    session.child.expect(r"credentials of dev expire in [45] min; run: awsenv dev --refresh")
    session.sync()
    session.child.sendline("")
    session.child.sendline("")
    assert "expire in" not in session.sync()
    export_epoch(session, int(time.time()) - 5)
    session.child.expect("credentials of dev have expired; run: awsenv dev")
    session.sync()


def test_hook_threshold_comes_from_the_environment(aws: AwsEnv) -> None:
    session = Elvish(aws)
    session.child.sendline("set-env AWSENV_WARN_MINUTES 2")
    session.sync()
    export_epoch(session, int(time.time()) + 300)
    session.child.sendline("")
    assert "expire" not in session.sync()
    export_epoch(session, int(time.time()) + 90)
    assert "expire in 2 min" in session.sync()


def test_auto_refresh_renews_the_role_silently(aws: AwsEnv) -> None:
    aws.seed()
    session = Elvish(aws)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    old_key = session.value("AWS_ACCESS_KEY_ID")
    aws.sts.reset()
    session.child.sendline("set-env AWSENV_AUTO_REFRESH 1")
    session.sync()
    session.child.sendline(f"set-env AWSENV_EXPIRATION_EPOCH {int(time.time()) + 120}")
    assert "expire" not in session.sync()
    assert aws.sts.calls == {"AssumeRole": 1}
    assert session.value("AWS_ACCESS_KEY_ID") != old_key
    assert int(session.value("AWSENV_EXPIRATION_EPOCH") or 0) > time.time() + 3000


def test_init_ends_with_its_install_line() -> None:
    code = subprocess.run([AWSENV, "init", "elvish"], capture_output=True, text=True, check=True)
    last = code.stdout.rstrip("\n").splitlines()[-1]
    assert last.startswith("#") and last.endswith("eval (awsenv init elvish | slurp)")


# --- completion -----------------------------------------------------------------------

ODD = 'it\'s "ünï" $HOME'


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("d", "dev"),
        ("li", "list"),
        ("explain ze", "zeta"),
        ("-p ze", "zeta"),
        ("it", ODD),
        ("dev --mfa", "--mfa-code"),
        ("list --n", "--names"),
    ],
)
def test_the_completer_offers_names_subcommands_and_options(
    aws: AwsEnv, words: str, expected: str
) -> None:
    """The arg-completer the integration installs, called as elvish's editor
    calls it on TAB (with the words typed so far); elvish itself filters by
    prefix and quotes what it inserts."""
    aws.write(
        "[profile dev]\nregion = eu-west-1\n[profile zeta]\nregion = eu-west-1\n",
        f"[{ODD}]\naws_access_key_id = AKIAEXAMPLEODD000001\naws_secret_access_key = s\n",
    )
    session = Elvish(aws)
    typed = " ".join(f"'{w}'" for w in ["awsenv", *words.split()])
    session.child.sendline(
        f"$edit:completion:arg-completer[awsenv] {typed} | each {{|c| echo '<'$c'>' }}"
    )
    offered = [line for line in session.sync().splitlines() if line.startswith("<")]
    assert f"<{expected}>" in offered
    # Only names where a name belongs: no subcommand after `explain`.
    if words.startswith("explain"):
        assert "<list>" not in offered


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("awsenv d", "dev"), ("awsenv explain ze", "zeta"), ("awsenv it", ODD)],
)
def test_tab_inserts_what_elvish_reads_back_exactly(aws: AwsEnv, typed: str, expected: str) -> None:
    """A real TAB (one candidate), Enter to take it, Enter to run the line,
    with `awsenv` swapped for a function that `put`s its arguments: elvish
    shows each word as it read it, compared with elvish's own form of the name."""
    aws.write(
        "[profile dev]\nregion = eu-west-1\n[profile zeta]\nregion = eu-west-1\n",
        f"[{ODD}]\naws_access_key_id = AKIAEXAMPLEODD000001\naws_secret_access_key = s\n",
    )
    session = Elvish(aws)
    session.child.sendline("edit:add-var awsenv~ {|@a| put $@a }")
    session.sync()
    session.child.send(typed + "\t")
    time.sleep(2)  # the completer runs `awsenv list --names`
    session.child.send("\r")  # take the candidate
    time.sleep(1)
    session.child.send("\r")  # run the line
    shown = []
    while session.child.expect([r"▶ ([^\r\n]*)\r\n", re.escape(READY)]) == 0:
        shown.append(session.child.match.group(1))
    quoted = "'" + expected.replace("'", "''") + "'"
    reference = subprocess.run(
        ["elvish", "-norc", "-c", f"put {quoted}"], capture_output=True, text=True, check=True
    )
    assert shown and f"▶ {shown[-1]}\n" == reference.stdout, shown


# --- detection --------------------------------------------------------------------


def test_calling_elvish_is_detected(aws: AwsEnv) -> None:
    aws.seed()
    proc = aws.command(
        ["elvish", "-norc", "-c", f"{AWSENV} dev --mfa-code {CODE} > out.txt; echo done"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "set-env AWS_PROFILE 'dev'" in (aws.root / "out.txt").read_text()


def test_elvish_reads_the_export_by_its_own_idiom(aws: AwsEnv, tmp_path: Path) -> None:
    """`eval (awsenv dev --shell elvish | slurp)` itself, and a failing awsenv
    raises before anything is evaluated."""
    aws.seed()
    script = (
        f"eval ({AWSENV} dev --shell elvish --mfa-code {CODE} | slurp)\n"
        "echo region=$E:AWS_REGION\n"
        f"try {{ eval ({AWSENV} nope --shell elvish | slurp) }} catch e {{ echo failed }}\n"
        "echo profile=$E:AWS_PROFILE\n"
    )
    proc = aws.command(["elvish", "-norc", "-c", script])
    assert proc.stdout == "region=eu-central-1\nfailed\nprofile=dev\n", proc.stderr
    assert sys.platform != "win32"


# --- what the prompt hook costs ---------------------------------------------------


def processes_at_prompts(tmp: Path, prompts: int) -> int:
    require("strace")
    import test_prompt_processes as counting

    rc = tmp / f"rc-{prompts}.elv"
    rc.write_text(
        f"set edit:prompt = {{ put '{counting.MARK}' }}\n"
        "set edit:rprompt = { put '' }\n"
        "eval (awsenv init elvish | slurp)\n"
    )
    env = {
        "PATH": os.pathsep.join((str(Path(AWSENV).parent), "/usr/bin:/bin")),
        "HOME": str(tmp),
        "TERM": "dumb",
        "LANG": "C.UTF-8",
        "AWSENV_EXPIRATION_EPOCH": str(int(time.time()) + 3600),
        "AWSENV_PROFILE": "dev",
    }
    saved = counting.PROMPTS
    counting.PROMPTS = prompts
    try:
        # elvish starts its storage daemon (`elvish -daemon`) when it gets to
        # it, before or after the first prompt: not the hook's, not counted.
        trace = tmp / f"trace-{prompts}"
        return counting.count_processes(["elvish", "-rc", str(rc)], env, trace, besides="elvish")
    finally:
        counting.PROMPTS = saved


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_starts_no_process_per_prompt(tmp_path: Path) -> None:
    """elvish reads /proc/stat and /proc/uptime itself: 100 prompts start
    what 1 prompt starts."""
    one = processes_at_prompts(tmp_path, 1)
    hundred = processes_at_prompts(tmp_path, 101)
    # The one both start is `awsenv init` in the rc file.
    assert one == hundred == 1, (one, hundred)

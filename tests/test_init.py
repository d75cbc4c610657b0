"""`awsenv init`: the wrapper function and the expiry hook, in real interactive
shells on a pseudo-terminal."""

from __future__ import annotations

import re
import subprocess
import time

import pexpect
import pytest
from conftest import AWSENV, CODE, MFA_SERIAL, AwsEnv, require

from awsenv.shell import supported

MFA_PROMPT = re.compile(r"(?m)^MFA code for " + re.escape(MFA_SERIAL) + ": ")
READY = "READY> "


class Session:
    """An interactive shell with the awsenv integration loaded."""

    def __init__(self, aws: AwsEnv, shell: str) -> None:
        require(shell)
        env = dict(aws.environ)
        env.pop("PYTHONUNBUFFERED", None)
        env["TERM"] = "dumb"
        self.shell = shell
        if shell == "bash":
            env["PS1"] = READY
            argv = ["bash", "--norc", "--noprofile", "-i"]
        elif shell == "zsh":
            env["PS1"] = READY
            argv = ["zsh", "-f", "-i"]
        else:
            argv = ["fish", "--no-config", "-i"]
        self.child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=env,
            cwd=str(aws.root),
            encoding="utf-8",
            timeout=40,
            dimensions=(50, 400),
        )
        if shell == "fish":
            self.child.sendline(f"function fish_prompt; printf '{READY}'; end")
            self.child.sendline("set -g fish_greeting ''")
            self.child.sendline("awsenv init fish | source")
        else:
            self.child.sendline(f'eval "$(awsenv init {shell})"')
        self.sync()

    def sync(self) -> str:
        """Wait until everything sent so far has run; return what it printed."""
        marker = f"SYNC{time.monotonic_ns()}"
        self.child.sendline(f"echo {marker[:4]}''{marker[4:]}")
        self.child.expect_exact(marker)
        self.seen = self.child.before
        self.child.expect_exact(READY)
        return self.seen

    def value(self, name: str) -> str:
        self.child.sendline(f"printf '<%s>\\n' \"${name}\"")
        self.child.expect(r"<([^>\r\n]*)>\r?\n")
        value = self.child.match.group(1)
        self.sync()
        return value

    def is_set(self, name: str) -> bool:
        """Set (even to an empty value) or not set at all."""
        if self.shell == "fish":
            self.child.sendline(f"if set -q {name}; echo IS''SET; else; echo NOT''SET; end")
        else:
            self.child.sendline(
                f'if [ -n "${{{name}+x}}" ]; then echo IS""SET; else echo NOT""SET; fi'
            )
        index = self.child.expect(["ISSET", "NOTSET"])
        self.sync()
        return index == 0

    def status_of(self, command: str) -> int:
        status = "$status" if self.shell == "fish" else "$?"
        self.child.sendline(f"{command}; echo RC=={status}==")
        self.child.expect(r"RC==(\d+)==")
        code = int(self.child.match.group(1))
        self.sync()
        return code


SHELLS = ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", SHELLS)
def test_wrapper_prompts_on_the_terminal_and_changes_the_shell(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    session = Session(aws, shell)
    session.child.sendline("awsenv dev")
    session.child.expect(MFA_PROMPT)
    session.child.sendline(CODE)
    session.sync()
    assert session.value("AWS_PROFILE") == "dev"
    assert session.value("AWS_ACCESS_KEY_ID").startswith("ASIA")
    assert aws.sts.requests_log[0]["token_code"] == CODE


@pytest.mark.parametrize("shell", SHELLS)
def test_failure_returns_status_and_leaves_the_environment(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    session = Session(aws, shell)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    key = session.value("AWS_ACCESS_KEY_ID")
    assert session.status_of("awsenv nope") == 3
    assert session.status_of("awsenv dev --mfa-code 12") == 2
    assert session.value("AWS_ACCESS_KEY_ID") == key
    assert session.value("AWS_PROFILE") == "dev"


@pytest.mark.parametrize("shell", SHELLS)
def test_other_subcommands_pass_through(aws: AwsEnv, shell: str) -> None:
    session = Session(aws, shell)
    session.child.sendline("awsenv --version")
    session.child.expect(r"awsenv \d+\.\d+")
    session.sync()
    assert session.status_of("awsenv init cmd") == 2


@pytest.mark.parametrize("shell", SHELLS)
def test_help_and_version_anywhere_pass_through_and_are_not_evaluated(
    aws: AwsEnv, shell: str
) -> None:
    aws.seed()
    session = Session(aws, shell)
    session.child.sendline("awsenv dev --help")
    session.child.expect("usage: awsenv")
    printed = session.sync()
    assert "command not found" not in printed and "rror" not in printed
    assert session.status_of("awsenv dev --version") == 0
    assert session.is_set("AWS_PROFILE") is False


@pytest.mark.parametrize("shell", SHELLS)
def test_help_and_version_through_the_wrapper_reach_a_pipe_and_a_capture(
    aws: AwsEnv, shell: str
) -> None:
    """`awsenv --help | less` and `v=$(awsenv --version)`: the answer is on
    stdout, where a pipe or a capture gets it, with stderr thrown away."""
    session = Session(aws, shell)
    session.child.sendline("awsenv --help 2>/dev/null | head -n 1 | sed 's/^/PIPED:/'")
    session.child.expect(r"PIPED:usage: awsenv")
    session.sync()
    if shell == "fish":
        session.child.sendline("set -g v (awsenv --version 2>/dev/null)")
    else:
        session.child.sendline("v=$(awsenv --version 2>/dev/null)")
    assert re.fullmatch(r"awsenv \d+\.\d+.*", session.value("v"))
    session.child.sendline("awsenv exec --help 2>/dev/null | grep -c -- '-- COMMAND'")
    session.child.expect(r"\r\n([1-9])\r\n")
    session.sync()


@pytest.mark.parametrize("shell", SHELLS)
def test_unset_through_the_wrapper_removes_everything(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    session = Session(aws, shell)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    assert session.status_of("awsenv unset") == 0
    for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWSENV_EXPIRATION_EPOCH", "AWS_REGION"):
        assert session.is_set(name) is False
    assert session.status_of("awsenv unset") == 0  # again, with nothing set


def export_epoch(session: Session, epoch: int) -> None:
    if session.shell == "fish":
        session.child.sendline(
            f"set -gx AWSENV_EXPIRATION_EPOCH {epoch}; set -gx AWSENV_PROFILE dev"
        )
    else:
        session.child.sendline(f"export AWSENV_EXPIRATION_EPOCH={epoch} AWSENV_PROFILE=dev")


@pytest.mark.parametrize("shell", SHELLS)
def test_hook_warns_once_near_expiry_and_once_when_expired(aws: AwsEnv, shell: str) -> None:
    session = Session(aws, shell)
    export_epoch(session, int(time.time()) + 300)
    session.child.expect(r"credentials of dev expire in [45] min; run: awsenv dev --refresh")
    session.sync()
    session.child.sendline("")
    session.child.sendline("")
    assert "expire in" not in session.sync()  # once, not at every prompt
    export_epoch(session, int(time.time()) - 5)
    session.child.expect("credentials of dev have expired; run: awsenv dev")
    session.sync()


@pytest.mark.parametrize("shell", SHELLS)
def test_hook_threshold_comes_from_the_environment(aws: AwsEnv, shell: str) -> None:
    session = Session(aws, shell)
    if shell == "fish":
        session.child.sendline("set -gx AWSENV_WARN_MINUTES 2")
    else:
        session.child.sendline("export AWSENV_WARN_MINUTES=2")
    session.sync()
    export_epoch(session, int(time.time()) + 300)  # 5 min left: above the 2 min threshold
    session.child.sendline("")
    assert "expire" not in session.sync()
    export_epoch(session, int(time.time()) + 90)  # and this is below it
    assert "expire in 2 min" in session.sync()


@pytest.mark.parametrize("shell", SHELLS)
def test_auto_refresh_renews_the_role_silently_when_the_session_is_valid(
    aws: AwsEnv, shell: str
) -> None:
    aws.seed()
    session = Session(aws, shell)
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    old_key = session.value("AWS_ACCESS_KEY_ID")
    aws.sts.reset()
    if shell == "fish":
        session.child.sendline("set -gx AWSENV_AUTO_REFRESH 1")
    else:
        session.child.sendline("export AWSENV_AUTO_REFRESH=1")
    session.sync()
    export_epoch(session, int(time.time()) + 120)
    assert "expire" not in session.sync()
    assert aws.sts.calls == {"AssumeRole": 1}
    assert session.value("AWS_ACCESS_KEY_ID") != old_key
    assert int(session.value("AWSENV_EXPIRATION_EPOCH")) > time.time() + 3000


@pytest.mark.parametrize(
    ("shell", "check"),
    [
        ("bash", ["bash", "-n"]),
        ("zsh", ["zsh", "-n"]),
        ("fish", ["fish", "--no-execute"]),
    ],
)
def test_init_code_is_valid_and_ends_with_its_install_line(shell: str, check: list[str]) -> None:
    require(check[0])
    code = subprocess.run([AWSENV, "init", shell], capture_output=True, check=True).stdout
    # fish checks syntax only when the code comes on stdin.
    proc = subprocess.run(check, input=code, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    last = code.decode().rstrip("\n").splitlines()[-1]
    assert last.startswith("#") and f"awsenv init {shell}" in last


def test_init_for_sh_says_which_shells_have_it() -> None:
    proc = subprocess.run([AWSENV, "init", "sh"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "bash, zsh, fish, pwsh" in proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_wrapper_and_hook_work_under_nounset(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    session = Session(aws, shell)
    session.child.sendline("set -u")
    assert "unbound" not in session.sync() and "parameter not set" not in session.seen
    assert session.status_of(f"awsenv dev --mfa-code {CODE}") == 0
    export_epoch(session, int(time.time()) + 120)
    printed = session.sync()
    assert "expire in 2 min" in printed
    assert "unbound" not in printed and "parameter not set" not in printed
    assert session.status_of("awsenv unset") == 0
    assert "unbound" not in session.sync() and "parameter not set" not in session.seen


# Non-interactive: the wrapper is a function, and a function works in `-c` too.
WRAPPED = {
    "bash": [
        "bash",
        "--noprofile",
        "--norc",
        "-c",
        'eval "$(awsenv init bash)"\n{call}\necho "status=$? region=${{AWS_REGION-}}"',
    ],
    "zsh": [
        "zsh",
        "-f",
        "-c",
        'eval "$(awsenv init zsh)"\n{call}\necho "status=$? region=${{AWS_REGION-}}"',
    ],
    "fish": [
        "fish",
        "--no-config",
        "-c",
        'awsenv init fish | source\n{call}\necho "status=$status region=$AWS_REGION"',
    ],
}


@pytest.mark.parametrize("option", ["--shell cmd", "--shell=cmd"])
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_wrapper_passes_the_users_own_shell_option_through(
    aws: AwsEnv, shell: str, option: str
) -> None:
    require(shell)
    aws.seed()
    # `init` leaves its memo (the next terminal's init is served from it): in
    # place before the snapshot, so that only the failing call is compared.
    assert aws.run("init", shell).returncode == 0
    before = aws.snapshot()
    argv = [*WRAPPED[shell][:-1], WRAPPED[shell][-1].format(call=f"awsenv dev {option}")]
    proc = aws.command(argv, env={"AWS_REGION": "kept"})
    # awsenv's own message and exit status: the wrapper added no --shell of its own.
    assert proc.stderr == f"awsenv: unsupported shell 'cmd'; supported: {supported()}\n"
    assert proc.stdout == "status=2 region=kept\n"
    assert aws.snapshot() == before


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_wrapper_names_its_own_shell_when_the_user_gave_none(aws: AwsEnv, shell: str) -> None:
    require(shell)
    aws.seed()
    argv = [*WRAPPED[shell][:-1], WRAPPED[shell][-1].format(call=f"awsenv dev --mfa-code {CODE}")]
    proc = aws.command(argv, env={"AWS_REGION": "kept"})
    assert proc.stdout == "status=0 region=eu-central-1\n", proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_an_abbreviated_shell_option_is_refused_not_taken_for_the_wrappers(
    aws: AwsEnv, shell: str
) -> None:
    """argparse would take `--sh fish` for `--shell fish`, after the wrapper's
    own `--shell`, and the wrapper would run fish's code: awsenv takes whole
    option names only."""
    require(shell)
    aws.seed()
    argv = [
        *WRAPPED[shell][:-1],
        WRAPPED[shell][-1].format(call=f"awsenv dev --sh fish --mfa-code {CODE}"),
    ]
    proc = aws.command(argv, env={"AWS_REGION": "kept"})
    assert proc.stdout == "status=2 region=kept\n", proc.stderr
    assert proc.stderr == "awsenv: unknown option --sh; did you mean --shell? (see awsenv --help)\n"


# Each shell's own idiom, with the integration loaded: in bash and zsh the
# $(...) is a subshell, where the function's own eval would change nothing.
IDIOM = {
    "bash": f'eval "$(awsenv dev --shell bash --mfa-code {CODE})"',
    "zsh": f'eval "$(awsenv dev --shell zsh --mfa-code {CODE})"',
    "fish": f"awsenv dev --shell fish --mfa-code {CODE} | source",
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_idiom_with_its_shell_option_works_with_the_integration_loaded(
    aws: AwsEnv, shell: str
) -> None:
    require(shell)
    aws.seed()
    argv = [*WRAPPED[shell][:-1], WRAPPED[shell][-1].format(call=IDIOM[shell])]
    proc = aws.command(argv, env={"AWS_REGION": "kept"})
    assert proc.stdout == "status=0 region=eu-central-1\n", proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_another_shells_code_is_printed_and_never_run(aws: AwsEnv, shell: str) -> None:
    """`awsenv dev --shell=fish` in bash prints fish's code, as awsenv does
    without the integration; run by bash it would be another language."""
    require(shell)
    aws.seed()
    other = "bash" if shell == "fish" else "fish"
    call = f"awsenv dev --shell={other} --mfa-code {CODE}"
    argv = [*WRAPPED[shell][:-1], WRAPPED[shell][-1].format(call=call)]
    proc = aws.command(argv, env={"AWS_REGION": "kept"})
    printed, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    assert last == "status=0 region=kept", proc.stderr
    direct = aws.run("dev", f"--shell={other}")  # the same session, from the cache
    assert printed + "\n" == direct.stdout
    assert "AWS_PROFILE" in printed


@pytest.mark.parametrize("shell", SHELLS)
def test_process_and_exec_pass_through_with_their_exit_status(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    session = Session(aws, shell)
    assert session.status_of(f"awsenv exec dev --mfa-code {CODE} -- sh -c 'exit 7'") == 7
    session.child.sendline("awsenv process dev")
    session.child.expect(r'\{"Version": 1, "AccessKeyId": "ASIA')  # printed, not evaluated
    session.sync()
    assert session.status_of("awsenv process nope") == 3
    assert session.status_of("awsenv exec dev -- no-such-command-awsenv") == 127
    assert session.is_set("AWS_ACCESS_KEY_ID") is False


def test_pwsh_wrapper_passes_process_and_exec_through() -> None:
    from pwsh_grammar import parse_errors

    code = subprocess.run([AWSENV, "init", "pwsh"], capture_output=True, text=True, check=True)
    assert parse_errors(code.stdout) == []
    # The wrapper's own test (the completer has one of its own).
    (line,) = [ln for ln in code.stdout.splitlines() if "-contains $first) -or $help" in ln]
    assert "'process'" in line and "'exec'" in line

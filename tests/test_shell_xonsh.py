"""xonsh, in the real shell: `execx($(awsenv dev --shell xonsh))` reads every
value back exactly and runs none of it; `awsenv init xonsh` gives a wrapper
that keeps awsenv's status, passes the other subcommands and the user's own
--shell through, and unsets; a prompt hook that warns without starting a
process; completion through a pseudo-terminal; detection from xonsh."""

from __future__ import annotations

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
from realshells import evaluate
from test_fast_path import probe
from test_prompt_processes import MARK, PROMPTS, count_processes
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
from awsenv.shell import Shell, lookup

LOAD = "execx($(awsenv init xonsh), 'exec', __xonsh__.ctx, filename='awsenv')"


def check_corpus(values: list[str], tmp: Path) -> None:
    canary = tmp / "CANARY"
    values = [*values, *canary_values(canary), f"__import__('os').system('touch {canary}')"]
    code = render_exports(lookup("xonsh"), exports_for(values))
    result = evaluate("xonsh", code, [*names_for(values), "AWSENV_GONE"], tmp, {"AWSENV_GONE": "x"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not canary.exists(), "a value was run as code"
    wrong = mismatches(dict(zip(names_for(values), values, strict=True)), result.variables)
    assert not wrong, "\n".join(wrong)


def test_corpus_round_trips_in_xonsh(tmp_path: Path) -> None:
    require("xonsh")
    check_corpus(CORPUS_VALUES, tmp_path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=batch_strategy)
def test_random_values_round_trip_in_xonsh(values: list[str]) -> None:
    require("xonsh")
    with tempfile.TemporaryDirectory() as tmp:
        check_corpus(values, Path(tmp))


def test_canary_fires_when_a_wrong_quoter_lets_code_run(tmp_path: Path) -> None:
    require("xonsh")
    broken = Shell("xonsh", "xonsh.xsh.j2", lambda value: value)
    values = [f"__import__('os').system('touch {tmp_path / 'CANARY'}')"]
    evaluate("xonsh", render_exports(broken, exports_for(values)), names_for(values), tmp_path)
    assert (tmp_path / "CANARY").exists()


def test_xonsh_literal_is_one_ascii_line() -> None:
    assert quoting.xonsh("it's\n\u2019") == '"it\'s\\n\\u2019"'
    with pytest.raises(UsageError):
        quoting.xonsh("a\x00b")


def xonsh_script(aws: AwsEnv, body: str) -> subprocess.CompletedProcess[str]:
    require("xonsh")
    return aws.command(["xonsh", "--no-rc", "-c", f"{LOAD}\n{body}"])


def test_export_sets_what_bash_sets(aws: AwsEnv, tmp_path: Path) -> None:
    require("xonsh")
    aws.seed()
    assert aws.run("dev", "--mfa-code", CODE).returncode == 0
    bash = evaluate("bash", aws.run("dev", "--shell", "bash").stdout, list(MANAGED), tmp_path)
    xonsh = evaluate("xonsh", aws.run("dev", "--shell", "xonsh").stdout, list(MANAGED), tmp_path)
    assert xonsh.variables == bash.variables
    assert xonsh.variables["AWS_ACCESS_KEY_ID"].startswith("ASIA")


def test_wrapper_exports_keeps_the_status_and_failure_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    proc = xonsh_script(
        aws,
        f"print('ok', !(awsenv dev --mfa-code {CODE}).returncode)\n"
        "key = $AWS_ACCESS_KEY_ID\n"
        "print('nope', !(awsenv nope).returncode)\n"
        "print('bad', !(awsenv dev --mfa-code 12).returncode)\n"
        "print('same', $AWS_ACCESS_KEY_ID == key, $AWS_PROFILE, $AWS_REGION)\n",
    )
    assert proc.stdout == "ok 0\nnope 3\nbad 2\nsame True dev eu-central-1\n", proc.stderr


def test_unset_through_the_wrapper_removes_everything(aws: AwsEnv) -> None:
    aws.seed()
    proc = xonsh_script(
        aws,
        f"awsenv dev --mfa-code {CODE}\n"
        "$AWS_SECURITY_TOKEN = 'legacy'\n"
        "$KEEP_ME = 'x'\n"
        "print('unset', !(awsenv unset).returncode)\n"
        f"print(sorted(n for n in {list(MANAGED)!r} if n in ${{...}}), $KEEP_ME)\n"
        "print('again', !(awsenv unset).returncode)\n",
    )
    assert proc.stdout == "unset 0\n[] x\nagain 0\n", proc.stderr


@pytest.mark.parametrize("option", ["--shell cmd", "--shell=cmd"])
def test_wrapper_passes_the_users_own_shell_option_through(aws: AwsEnv, option: str) -> None:
    aws.seed()
    proc = xonsh_script(
        aws, f"$AWS_REGION = 'kept'\nr = !(awsenv dev {option})\nprint(r.returncode, $AWS_REGION)"
    )
    assert proc.stdout == "2 kept\n", proc.stderr


def test_a_shell_option_prints_that_shells_code_and_the_idiom_still_works(aws: AwsEnv) -> None:
    aws.seed()
    proc = xonsh_script(
        aws,
        f"$AWS_REGION = 'kept'\nawsenv dev --shell=bash --mfa-code {CODE}\n"
        "print('region', $AWS_REGION)\n"
        "execx($(awsenv dev --shell xonsh))\nprint('region', $AWS_REGION)\n",
    )
    printed, _, rest = proc.stdout.partition("region kept\n")
    assert printed == aws.run("dev", "--shell", "bash").stdout, proc.stderr
    assert rest == "region eu-central-1\n", proc.stderr


def test_process_exec_and_help_pass_through(aws: AwsEnv) -> None:
    aws.seed()
    proc = xonsh_script(
        aws,
        f"print('exec', !(awsenv exec dev --mfa-code {CODE} -- sh -c 'exit 7').returncode)\n"
        "out = $(awsenv process dev)\n"
        "print('process', out.startswith('{\"Version\": 1'))\n"
        "print('help', 'usage: awsenv' in $(awsenv dev --help))\n"
        "print('set', 'AWS_ACCESS_KEY_ID' in ${...})\n",
    )
    assert proc.stdout == "exec 7\nprocess True\nhelp True\nset False\n", proc.stderr


def test_hook_warns_once_near_expiry_and_once_when_expired(aws: AwsEnv) -> None:
    now = int(time.time())
    proc = xonsh_script(
        aws,
        f"$AWSENV_PROFILE = 'dev'\n$AWSENV_EXPIRATION_EPOCH = '{now + 300}'\n"
        "_awsenv_hook()\n_awsenv_hook()\n"
        f"$AWSENV_EXPIRATION_EPOCH = '{now - 5}'\n_awsenv_hook()\n_awsenv_hook()\n"
        f"$AWSENV_WARN_MINUTES = '2'\n$AWSENV_EXPIRATION_EPOCH = '{now + 300}'\n_awsenv_hook()\n",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert "credentials of dev expire in 5 min; run: awsenv dev --refresh" in lines[0]
    assert lines[1] == "awsenv: the credentials of dev have expired; run: awsenv dev"


def test_auto_refresh_renews_the_role_silently(aws: AwsEnv) -> None:
    aws.seed()
    proc = xonsh_script(
        aws,
        f"awsenv dev --mfa-code {CODE}\nold = $AWS_ACCESS_KEY_ID\n"
        f"$AWSENV_AUTO_REFRESH = '1'\n$AWSENV_EXPIRATION_EPOCH = '{int(time.time()) + 120}'\n"
        "_awsenv_hook()\n"
        "print($AWS_ACCESS_KEY_ID != old,"
        f" int($AWSENV_EXPIRATION_EPOCH) > {int(time.time()) + 3000})",
    )
    assert proc.stdout == "True True\n", proc.stderr
    assert "expire" not in proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="strace is Linux's")
def test_hook_starts_no_process_at_a_prompt(tmp_path: Path) -> None:
    require("xonsh")
    require("strace")

    def processes(hook: bool) -> int:
        rc = tmp_path / f"rc-{hook}.xsh"
        init = subprocess.run([AWSENV, "init", "xonsh"], capture_output=True, text=True, check=True)
        rc.write_text(f"$PROMPT = '{MARK}'\n" + (init.stdout if hook else ""))
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TERM": "dumb",
            "LANG": "C.UTF-8",
            "AWSENV_EXPIRATION_EPOCH": str(int(time.time()) + 3600),
            "AWSENV_PROFILE": "dev",
        }
        argv = ["xonsh", "--rc", str(rc), "-i", "--shell-type", "readline"]
        return count_processes(argv, env, tmp_path / f"trace-{hook}")

    without, with_hook = processes(False), processes(True)
    assert with_hook - without <= 0, (without, with_hook, PROMPTS)


def test_calling_shell_is_detected(aws: AwsEnv) -> None:
    require("xonsh")
    aws.seed()
    proc = aws.command(
        ["xonsh", "--no-rc", "-c", f"{AWSENV} dev --mfa-code {CODE} > out.txt\nprint('done')"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "$AWS_PROFILE = 'dev'" in (aws.root / "out.txt").read_text()


ODD = 'it\'s "ünï" $HOME'


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("awsenv d", "dev"),
        ("awsenv li", "list"),
        ("awsenv it", ODD),
        ("awsenv explain ze", "explain|zeta"),
    ],
)
def test_tab_completes_what_xonsh_reads_back_exactly(
    aws: AwsEnv, typed: str, expected: str
) -> None:
    require("xonsh")
    aws.write(
        "[profile dev]\nregion = eu-west-1\n",
        f"[zeta]\naws_access_key_id = AKIAEXAMPLEZETA00001\naws_secret_access_key = s\n\n"
        f"[{ODD}]\naws_access_key_id = AKIAEXAMPLEODD000001\naws_secret_access_key = s\n",
    )
    rc = aws.root / "rc.xsh"
    rc.write_text(
        f"$PROMPT = 'READY> '\n{LOAD}\n"
        "aliases['showargs'] = lambda args: print('<' + '|'.join(args) + '>')\n"
    )
    child = pexpect.spawn(
        "xonsh",
        ["--rc", str(rc), "-i", "--shell-type", "readline"],
        env={**aws.environ, "TERM": "dumb"},
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=40,
        dimensions=(40, 300),
    )
    try:
        child.expect_exact("READY> ")
        child.send(typed + "\t")
        time.sleep(2)  # the completer runs `awsenv list --names`
        # Turn the line into `showargs awsenv ...`: its words as xonsh reads them.
        child.send("\x01showargs \r")
        child.expect(r"<awsenv\|([^>\r\n]*)>")
        assert child.match.group(1) == expected
    finally:
        child.close(force=True)


def test_repeat_export_and_init_are_served_from_their_memos(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "xonsh", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    assert aws.run("init", "xonsh").returncode == 0
    aws.sts.reset()
    for argv in (["dev", "--shell", "xonsh"], ["init", "xonsh"]):
        assert probe(aws, tmp_path / "p.json", *argv) == {"code": 0, "loaded": []}
    assert aws.run("dev", "--shell", "xonsh").stdout == first.stdout
    assert aws.sts.calls == {}


def interactive(aws: AwsEnv) -> pexpect.spawn:
    require("xonsh")
    rc = aws.root / "rc.xsh"
    rc.write_text(f"$PROMPT = 'READY> '\n{LOAD}\n")
    env = {**aws.environ, "TERM": "dumb"}
    env.pop("PYTHONUNBUFFERED", None)
    child = pexpect.spawn(
        "xonsh",
        ["--rc", str(rc), "-i", "--shell-type", "readline"],
        env=env,
        cwd=str(aws.root),
        encoding="utf-8",
        timeout=40,
        dimensions=(40, 300),
    )
    child.expect_exact("READY> ")
    return child


def test_wrapper_prompts_on_the_terminal_and_changes_the_shell(aws: AwsEnv) -> None:
    aws.seed()
    child = interactive(aws)
    try:
        child.sendline("awsenv dev")
        child.expect(r"MFA code for " + re.escape(MFA_SERIAL) + ": ")
        child.sendline(CODE)
        child.expect_exact("READY> ")
        child.sendline("print('<' + $AWS_PROFILE + '|' + $AWS_ACCESS_KEY_ID[:4] + '>')")
        child.expect_exact("<dev|ASIA>")
    finally:
        child.close(force=True)
    assert aws.sts.requests_log[0]["token_code"] == CODE


def test_hook_warns_at_a_real_prompt(aws: AwsEnv) -> None:
    child = interactive(aws)
    try:
        child.sendline(
            f"$AWSENV_PROFILE = 'dev'; $AWSENV_EXPIRATION_EPOCH = '{int(time.time()) + 300}'"
        )
        child.expect(r"credentials of dev expire in [45] min; run: awsenv dev --refresh")
        child.expect_exact("READY> ")
        child.sendline("print('NEXT' + 'PROMPT')")
        child.expect_exact("NEXTPROMPT")
        child.expect_exact("READY> ")
        assert "expire in" not in child.before  # once, not at every prompt
    finally:
        child.close(force=True)


@pytest.mark.parametrize("name", ["xonsh", "/usr/bin/xonsh"])
def test_names_and_paths_resolve_to_xonsh(name: str) -> None:
    assert lookup(name).name == "xonsh"


def test_shellingham_answer_resolves_to_xonsh(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the parent is not the shell (a wrapper script between them)."""
    import shellingham

    from awsenv import shell

    monkeypatch.setattr(shell, "parent_shell", lambda: None)
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("xonsh", "/usr/bin/xonsh"))
    assert shell.detect().name == "xonsh"


@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
def test_xonsh_started_by_python_is_detected(aws: AwsEnv) -> None:
    """`python3 -m xonsh`: the parent's comm is python3; its command line tells."""
    require("xonsh")
    aws.seed()
    script = f"{AWSENV} dev --mfa-code {CODE} > out.txt\nprint('done')"
    proc = aws.command(["/usr/bin/python3", "-m", "xonsh", "--no-rc", "-c", script])
    assert proc.returncode == 0, proc.stderr
    assert "$AWS_PROFILE = 'dev'" in (aws.root / "out.txt").read_text()


def test_setup_adds_the_init_line_to_xonshrc_and_xonsh_loads_it(aws: AwsEnv) -> None:
    require("xonsh")
    from conftest import SEED_CREDENTIALS
    from test_setup import CONFIG, FLAGS

    aws.write(CONFIG, SEED_CREDENTIALS)
    flags = [*FLAGS[:-1], "xonsh"]
    assert FLAGS[-2:] == ("--shell", "bash")
    assert aws.run(*flags, "--yes", "--rc").returncode == 0
    rc = aws.home / ".xonshrc"
    assert rc.read_text() == f"{LOAD}\n"
    assert aws.run(*flags, "--yes", "--rc").returncode == 0
    assert rc.read_text() == f"{LOAD}\n"  # once
    # An interactive xonsh reads ~/.xonshrc: the wrapper is there.
    proc = aws.command(["xonsh", "-i", "-c", "print(callable(aliases['awsenv']))"])
    assert proc.stdout.strip().endswith("True"), proc.stderr

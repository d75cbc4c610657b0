"""The first hour, as a newcomer meets it: every dead end points to `awsenv
setup`, `awsenv` alone offers a picker of the profiles on a terminal, typos
get a suggestion, a code is taken as authenticator apps show it, and a
refresh says in one line what it did."""

from __future__ import annotations

import io
import re

import pexpect
import pytest
from conftest import (
    ACCOUNT,
    AWSENV,
    CODE,
    MFA_SERIAL,
    SEED_CONFIG,
    SEED_CREDENTIALS,
    AwsEnv,
    require,
)

SETUP_HINT = "run awsenv setup to write them"
PROMPT = re.compile("MFA code for " + re.escape(MFA_SERIAL) + ": ")
READY = "READY> "


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# --- the on-ramp: every dead end names awsenv setup --------------------------------------


def test_no_aws_files_at_all_points_to_setup(aws: AwsEnv) -> None:
    result = aws.run("dev", "--shell", "bash")
    assert (result.returncode, result.stdout) == (3, "")
    line = one_line(result.stderr)
    assert line.startswith("awsenv: unknown profile 'dev'; known profiles: none; ")
    assert f"{aws.config} (from AWS_CONFIG_FILE) does not exist" in line
    assert line.endswith(f"; {SETUP_HINT}")


def test_an_empty_list_points_to_setup_and_its_names_stay_silent(aws: AwsEnv) -> None:
    listed = aws.run("list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "PROFILE\tKIND\tSOURCE\tREGION\tCREDENTIALS\tMFA\tPROBLEM"
    ]
    assert listed.stderr == f"awsenv: no profiles yet: {SETUP_HINT}\n"
    # The completers' source and the JSON: nothing but what a program reads.
    names = aws.run("list", "--names")
    assert (names.returncode, names.stdout, names.stderr) == (0, "", "")
    document = aws.run("list", "--json")
    assert (document.returncode, document.stderr) == (0, "")
    assert '"profiles": []' in document.stdout


def test_a_list_with_profiles_says_nothing_on_stderr(aws: AwsEnv) -> None:
    aws.seed()
    listed = aws.run("list")
    assert (listed.returncode, listed.stderr) == (0, "")


@pytest.mark.parametrize("argv", [[], ["--shell", "bash"], ["--mfa-code", CODE]])
def test_no_profile_without_a_terminal_is_the_usage_error_naming_setup(
    aws: AwsEnv, argv: list[str]
) -> None:
    aws.seed()
    result = aws.run(*argv)
    assert (result.returncode, result.stdout) == (2, "")
    assert one_line(result.stderr) == (
        "awsenv: no profile given: awsenv list shows them, awsenv setup writes them"
    )
    assert aws.sts.calls == {}


def test_help_lists_setup(aws: AwsEnv) -> None:
    result = aws.run("--help")
    assert result.returncode == 0
    assert re.search(r"(?m)^  awsenv setup \[options\] +write the MFA session", result.stdout)


def test_a_missing_credentials_file_is_named(aws: AwsEnv) -> None:
    aws.config.parent.mkdir(parents=True)
    aws.config.write_text(SEED_CONFIG)
    result = aws.run("dev", "--shell", "bash")
    assert (result.returncode, result.stdout) == (3, "")
    assert one_line(result.stderr) == (
        f"awsenv: profile 'default' has no credentials: {aws.credentials} "
        "(from AWS_SHARED_CREDENTIALS_FILE) does not exist "
        "(its keys would be there; awsenv setup writes it)"
    )


def test_a_profile_without_keys_in_an_existing_file_keeps_its_message(aws: AwsEnv) -> None:
    aws.write("[profile ops]\nregion = eu-west-1\n", "[other]\naws_access_key_id = AKIAX\n")
    result = aws.run("ops", "--shell", "bash")
    assert result.returncode == 3
    assert one_line(result.stderr).startswith(
        "awsenv: profile 'ops' has no credentials: it needs keys, role_arn"
    )


# --- the picker ------------------------------------------------------------------------


def shell_with_integration(aws: AwsEnv, shell: str) -> pexpect.spawn:
    require(shell)
    env = dict(aws.environ)
    env.pop("PYTHONUNBUFFERED", None)
    env.update(TERM="xterm", PS1=READY)
    argv = {
        "bash": ["bash", "--norc", "--noprofile", "-i"],
        "zsh": ["zsh", "-f", "-i"],
        "fish": ["fish", "--no-config", "-i"],
    }[shell]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(aws.root), encoding="utf-8", timeout=60,
        dimensions=(40, 160),
    )  # fmt: skip
    if shell == "fish":
        child.sendline(f"function fish_prompt; printf '{READY}'; end")
        child.sendline("awsenv init fish | source")
    else:
        child.sendline(f'eval "$(awsenv init {shell})"')
    child.sendline("echo IN''IT")
    child.expect_exact("INIT")
    return child


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_awsenv_alone_on_a_terminal_picks_a_profile_and_exports_it(aws: AwsEnv, shell: str) -> None:
    aws.seed()
    child = shell_with_integration(aws, shell)
    child.sendline("awsenv")
    child.expect_exact("pick a profile")
    # Name, kind and state of each, before anything is typed.
    child.expect(r"dev +role +none cached")
    child.send("ev")  # narrows to dev (default has no "ev")
    child.expect(r"> ev")
    child.send("\r")
    child.expect(PROMPT)
    child.sendline(CODE)
    child.expect(r"awsenv: dev: role dev in \d{12}")
    child.sendline('echo "profile=$AWSENV_PROFILE key=$AWS_ACCESS_KEY_ID"')
    child.expect(r"profile=dev key=(ASIA\w+)")
    assert child.match.group(1) in aws.sts.session_tokens
    assert aws.sts.successes["AssumeRole"] == 1
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_the_picker_moves_with_the_arrows_and_prints_shell_code_for_eval(aws: AwsEnv) -> None:
    """Without the integration: `eval "$(awsenv --shell bash)"` gets the chosen
    profile's code on stdout, the picker having drawn on the terminal."""
    aws.seed()
    require("bash")
    env = {**aws.environ, "TERM": "xterm", "PS1": READY}
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root), dimensions=(40, 160))  # fmt: skip
    child.sendline(
        f'eval "$({AWSENV} --shell bash --mfa-code {CODE})"; echo "rc=$? p=$AWSENV_PROFILE"'
    )
    child.expect_exact("pick a profile")
    child.send("pr")  # prod only
    child.expect(r"\* prod +role")
    child.send("\x7f\x7f")  # erased: every profile again, the first one marked
    child.expect(r"\* default +long-term")
    child.send("\x1b[B")  # down: dev
    child.expect(r"\* dev +role")
    child.send("\r")
    child.expect(r"rc=0 p=dev")
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_on_a_small_terminal_the_picker_scrolls_within_its_lines(aws: AwsEnv) -> None:
    roles = "".join(
        f"\n[profile team{n:02}]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/r{n}\n"
        "source_profile = mfa\n"
        for n in range(15)
    )
    aws.write(SEED_CONFIG + roles, SEED_CREDENTIALS)
    env = {**aws.environ, "TERM": "xterm", "PS1": READY}
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, encoding="utf-8",
                          timeout=60, cwd=str(aws.root), dimensions=(8, 100))  # fmt: skip
    child.sendline(f'eval "$({AWSENV} --shell bash --mfa-code {CODE})"; echo "p=$AWSENV_PROFILE"')
    child.expect_exact("(20 profiles; type to narrow)")
    child.send("team")
    child.expect_exact("(15 profiles; type to narrow)")
    for n in range(1, 7):
        child.send("\x1b[B")
        child.expect(rf"\* team{n:02} +role")
    child.send("\r")
    child.expect(r"p=team06")
    child.sendline("exit")
    child.expect(pexpect.EOF)


def test_a_profile_name_cannot_drive_the_terminal(aws: AwsEnv) -> None:
    evil = "evil\x1b]0;pwned\x07name"
    aws.write(
        SEED_CONFIG + f"\n[profile {evil}]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/x\n"
        "source_profile = mfa\n",
        SEED_CREDENTIALS,
    )
    child = shell_with_integration(aws, "bash")
    log = io.StringIO()
    child.logfile_read = log
    child.sendline("awsenv")
    child.expect_exact("evil?]0;pwned?name")
    child.send("\x1b")
    child.expect_exact("awsenv: interrupted; nothing was changed")
    assert "\x1b]0;" not in log.getvalue()


def test_ctrl_c_in_the_picker_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    child = shell_with_integration(aws, "bash")
    child.sendline("awsenv")
    child.expect_exact("pick a profile")
    child.sendintr()
    # The shell drops the rest of the line on Ctrl-C; awsenv's own word is the line.
    child.expect_exact("awsenv: interrupted; nothing was changed")
    child.sendline('echo "key=[${AWS_ACCESS_KEY_ID-none}] profile=[${AWSENV_PROFILE-none}]"')
    child.expect_exact("key=[none] profile=[none]")
    assert aws.sts.calls == {}


def test_escape_leaves_the_picker_and_changes_nothing(aws: AwsEnv) -> None:
    aws.seed()
    child = shell_with_integration(aws, "bash")
    before = aws.snapshot()
    child.sendline("export AWS_ACCESS_KEY_ID=before")
    child.sendline('awsenv; echo "rc=$? key=$AWS_ACCESS_KEY_ID"')
    child.expect_exact("pick a profile")
    child.send("\x1b")
    child.expect_exact("awsenv: interrupted; nothing was changed")
    child.expect(r"rc=130 key=before")
    assert aws.snapshot() == before
    assert aws.sts.calls == {}


def test_no_prompt_on_a_terminal_opens_no_picker(aws: AwsEnv) -> None:
    """--no-prompt means fail instead of asking: a picker is asking too."""
    aws.seed()
    child = shell_with_integration(aws, "bash")
    child.sendline('awsenv --no-prompt; echo "rc=$?"')
    child.expect_exact("awsenv: no profile given")
    child.expect(r"rc=2")
    assert "pick a profile" not in child.before
    assert aws.sts.calls == {}


def test_the_picker_without_profiles_points_to_setup(aws: AwsEnv) -> None:
    child = shell_with_integration(aws, "bash")
    child.sendline('awsenv; echo "rc=$?"')
    child.expect_exact(f"awsenv: no profiles yet: {SETUP_HINT}")
    child.expect(r"rc=2")


# --- suggestions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        ("lsit", 2, "unknown subcommand or profile 'lsit'; did you mean list? (see awsenv --help)"),
        (
            "lsit --shell bash",
            2,
            "unknown subcommand or profile 'lsit'; did you mean list? (see awsenv --help)",
        ),
        (
            "explian dev",
            2,
            "unknown subcommand or profile 'explian'; did you mean explain? (see awsenv --help)",
        ),
        ("help", 2, "'help' is not a subcommand; did you mean awsenv --help?"),
        (
            "deev --shell bash",
            3,
            "unknown profile 'deev' (did you mean dev?); known profiles: "
            "default, dev, mfa, other, prod",
        ),
        (
            "explain prdo",
            3,
            "unknown profile 'prdo' (did you mean prod?); known profiles: "
            "default, dev, mfa, other, prod",
        ),
        (
            "exec dev env",
            2,
            "exec runs what follows --; usage: awsenv exec PROFILE [options] "
            "[-- COMMAND [ARGS...]] (see awsenv --help)",
        ),
        ("list extra", 2, "list takes no profile (see awsenv --help)"),
        ("unset extra", 2, "unset takes no profile (see awsenv --help)"),
        # Words like no subcommand keep today's messages.
        (
            "zzzz --shell bash",
            3,
            "unknown profile 'zzzz'; known profiles: default, dev, mfa, other, prod",
        ),
        (
            "dev 654321",
            2,
            "unexpected extra arguments (the MFA code goes after --mfa-code) (see awsenv --help)",
        ),
        ("lsit --bogus", 2, "unknown option --bogus (see awsenv --help)"),
        # Whatever fails first (here the shell), the typo is what is said.
        (
            "lsit --shell tcsh",
            2,
            "unknown subcommand or profile 'lsit'; did you mean list? (see awsenv --help)",
        ),
    ],
)
def test_typos_get_a_suggestion_and_keep_their_exit_status(
    aws: AwsEnv, argv: str, status: int, message: str
) -> None:
    aws.seed()
    result = aws.run(*argv.split())
    assert (result.returncode, result.stdout) == (status, "")
    assert one_line(result.stderr) == f"awsenv: {message}"
    assert aws.sts.calls == {}


def test_a_profile_named_like_a_typo_is_exported_as_it_is(aws: AwsEnv) -> None:
    lsit = f"\n[profile lsit]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/dev\nsource_profile = mfa\n"
    aws.write(SEED_CONFIG + lsit, SEED_CREDENTIALS)
    result = aws.run("lsit", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert "export AWSENV_PROFILE='lsit'\n" in result.stdout
    # Its own errors stay its own.
    wrong = aws.run("lsit", "--shell", "cmd")
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert "'cmd'" in one_line(wrong.stderr) and "did you mean" not in wrong.stderr


# --- unset on a terminal ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "line"),
    [("bash", "eval \"$(awsenv 'unset')\""), ("fish", "awsenv 'unset' --shell fish | source")],
)
def test_unset_on_a_terminal_without_the_integration_says_what_to_do(
    aws: AwsEnv, shell: str, line: str
) -> None:
    child = pexpect.spawn(AWSENV, ["unset", "--shell", shell], env=aws.environ,
                          encoding="utf-8", timeout=60)  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = (child.before or "").replace("\r\n", "\n")
    assert out == (
        "awsenv: nothing was unset: awsenv unset prints code for the shell to run\n"
        f"awsenv: to unset awsenv's variables in this shell, run: {line}\n"
    )


def test_unset_through_the_integration_still_unsets(aws: AwsEnv) -> None:
    child = shell_with_integration(aws, "bash")
    child.sendline(
        'export AWS_ACCESS_KEY_ID=x; awsenv unset; echo "key=[${AWS_ACCESS_KEY_ID-gone}]"'
    )
    child.expect(r"key=\[gone\]")
    assert "nothing was unset" not in (child.before or "")


# --- a code as authenticator apps show it ----------------------------------------------


@pytest.mark.parametrize("typed", ["123 456", "123-456", " 123456 "])
def test_a_code_with_a_space_or_dash_in_the_middle_is_taken(aws: AwsEnv, typed: str) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", typed)
    assert result.returncode == 0, result.stderr
    assert aws.sts.requests_log[0]["token_code"] == CODE


@pytest.mark.parametrize("typed", ["12 3456", "123  456", "123 - 456", "1 2 3 4 5 6", "123_456"])
def test_other_separators_are_still_refused(aws: AwsEnv, typed: str) -> None:
    aws.seed()
    result = aws.run("dev", "--shell", "bash", "--mfa-code", typed)
    assert (result.returncode, result.stdout) == (2, "")
    assert one_line(result.stderr) == "awsenv: the MFA code must be exactly 6 digits"
    assert aws.sts.calls == {}


def test_a_code_typed_as_the_app_shows_it_is_taken_at_the_prompt(aws: AwsEnv) -> None:
    aws.seed()
    child = pexpect.spawn(AWSENV, ["dev", "--shell", "bash"], env=aws.environ,
                          encoding="utf-8", timeout=60)  # fmt: skip
    child.expect(PROMPT)
    child.sendline("123 456")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert aws.sts.requests_log[0]["token_code"] == CODE


# --- one line after a refresh ----------------------------------------------------------

REFRESHED = re.compile(rf"awsenv: dev: role dev in {ACCOUNT} \(eu-central-1\) until \d\d:\d\d \S+")


def test_a_refresh_says_one_line_and_a_cache_hit_none(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "bash", "--mfa-code", CODE)
    assert first.returncode == 0, first.stderr
    line = one_line(first.stderr)
    assert REFRESHED.fullmatch(line), line
    assert len(line) <= 100
    assert "AWS_SECRET" not in line and "ASIA" not in line
    # From the cache, on the full path (another shell has no memo yet) and the memo's.
    for shell in ("zsh", "zsh"):
        again = aws.run("dev", "--shell", shell)
        assert (again.returncode, again.stderr) == (0, ""), again.stderr
    renewed = aws.run("dev", "--shell", "bash", "--refresh")
    assert REFRESHED.fullmatch(one_line(renewed.stderr))


def test_the_session_profile_says_its_mfa_session(aws: AwsEnv) -> None:
    aws.seed()
    result = aws.run("mfa", "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        rf"awsenv: mfa: MFA session of alice in {ACCOUNT} \(eu-west-1\) until \d\d:\d\d \S+",
        one_line(result.stderr),
    )


def test_a_long_profile_name_keeps_the_line_within_100_characters(aws: AwsEnv) -> None:
    name = "a-very-long-profile-name-" + "x" * 80
    aws.write(
        SEED_CONFIG
        + f"\n[profile {name}]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/"
        + "r" * 60
        + "\nsource_profile = mfa\nregion = ap-southeast-2\n",
        SEED_CREDENTIALS,
    )
    result = aws.run(name, "--shell", "bash", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    line = one_line(result.stderr)
    assert len(line) <= 100, line
    assert line.startswith("awsenv: a-very-long-profile-nam…: role rrrrr")
    assert f" in {ACCOUNT} (ap-southeast-2) until " in line


def test_process_keeps_stdout_json_and_says_the_refresh_on_stderr(aws: AwsEnv) -> None:
    import json

    aws.seed()
    result = aws.run("process", "dev", "--mfa-code", CODE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == 1
    assert REFRESHED.fullmatch(one_line(result.stderr))
    again = aws.run("process", "dev")
    assert (again.returncode, again.stderr) == (0, "")


# --- a wizard that forgives ------------------------------------------------------------

ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"
# The config of a person with keys and no awsenv layout yet.
NO_SESSION_CONFIG = SEED_CONFIG[: SEED_CONFIG.index("[profile mfa]")]
INTRO = re.compile(
    r"awsenv: setup writes an MFA session profile and role profiles into \S+config "
    r"\(new keys into the credentials file\); it shows the diff and asks before writing, "
    r"and Ctrl-C at any question changes nothing"
)


def wizard(aws: AwsEnv) -> pexpect.spawn:
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    return pexpect.spawn(AWSENV, ["setup", "--shell", "bash"], env=env, encoding="utf-8",
                         timeout=60, cwd=str(aws.root))  # fmt: skip


def answer(child: pexpect.spawn, steps: list[tuple[str, str | None]]) -> None:
    """Each step: what awsenv says (a regex), then what is typed (None: nothing)."""
    for said, typed in steps:
        child.expect(said)
        if typed is not None:
            child.sendline(typed)


KEYS_AND_DEVICE = [
    (r"(?m)^long-term key profile \(number\) \[1\]: ", "9"),
    (r"awsenv: no such choice: '9'; a number from 1 to 3; try again\r\n", None),
    (r"(?m)^long-term key profile \(number\) \[1\]: ", "1"),
    (r"(?m)^MFA device ARN: ", "alice"),
    (r"awsenv: an MFA device is arn:aws:iam::ACCOUNT:mfa/NAME .*; try again\r\n", None),
    (r"(?m)^MFA device ARN: ", MFA_SERIAL),
    (r"(?m)^session profile name \[mfa\]: ", ""),
]
ROLE_ASKED = r"(?m)^role profile as NAME=ARN \(empty: done\): "


def test_a_wrong_answer_is_asked_again_and_nothing_typed_before_is_lost(aws: AwsEnv) -> None:
    aws.write(NO_SESSION_CONFIG, SEED_CREDENTIALS)
    child = wizard(aws)
    child.expect(INTRO)
    answer(child, KEYS_AND_DEVICE)
    answer(
        child,
        [
            (ROLE_ASKED, "dev"),
            (r"awsenv: a role is NAME=ARN: .*; try again\r\n", None),
            (ROLE_ASKED, "admin=arn:aws:iam::12:role/x"),
            (r"awsenv: admin: a role ARN is arn:aws:iam::ACCOUNT:role/NAME; try again\r\n", None),
            (ROLE_ASKED, f"admin={ROLE}"),
            (r"(?m)^its region \(empty: none\): ", "europe"),
            (r"awsenv: admin: 'europe' is not a region \(eu-west-1, say\); try again\r\n", None),
            (r"(?m)^its region \(empty: none\): ", "eu-west-2"),
            (ROLE_ASKED, ""),
            (r"(?m)^also add NAME-process profiles .*\? \[y/N\]: ", "n"),
            (r"(?m)^write these changes\? \[y/N\]: ", "y"),
            (r"(?m)^add it to .*\.bashrc\? \[y/N\]: ", "n"),
        ],
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    config = aws.config.read_text()
    assert f"[profile mfa]\nawsenv_source_profile = default\nmfa_serial = {MFA_SERIAL}\n" in config
    assert f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = mfa\nregion = eu-west-2\n" in (
        config
    )


def test_ctrl_c_after_a_mistake_still_changes_nothing(aws: AwsEnv) -> None:
    aws.write(NO_SESSION_CONFIG, SEED_CREDENTIALS)
    before = aws.snapshot()
    child = wizard(aws)
    answer(child, [*KEYS_AND_DEVICE, (ROLE_ASKED, "dev"), (ROLE_ASKED, None)])
    child.sendintr()
    child.expect_exact("awsenv: interrupted; nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert aws.snapshot() == before
    assert not (aws.home / ".bashrc").exists()


def test_a_failed_device_lookup_names_iam(aws: AwsEnv) -> None:
    aws.write(NO_SESSION_CONFIG, SEED_CREDENTIALS)
    child = wizard(aws)
    answer(child, [(r"(?m)^long-term key profile \(number\) \[1\]: ", "1")])
    child.expect(r"awsenv: could not list the MFA devices: ([^\r\n]*)\r\n")
    said = child.match.group(1)
    child.expect(r"(?m)^MFA device ARN: ")
    child.sendintr()
    child.expect(pexpect.EOF)
    assert "IAM" in said and "STS" not in said, said


def test_new_keys_are_checked_as_typed_and_the_secret_is_never_echoed(aws: AwsEnv) -> None:
    aws.write("[default]\nregion = eu-west-1\n", "")
    env = {k: v for k, v in aws.environ.items() if k != "PYTHONUNBUFFERED"}
    child = pexpect.spawn(AWSENV, ["setup", "--shell", "bash", "--mfa-serial", MFA_SERIAL],
                          env=env, encoding="utf-8", timeout=60, cwd=str(aws.root))  # fmt: skip
    secret = "TypedSecret00000000000000000000000000042"
    log = io.StringIO()
    child.logfile_read = log
    answer(
        child,
        [
            (r"(?m)^long-term key profile \(number\) \[1\]: ", "1"),  # the only one: new keys
            (r"(?m)^name for the new key profile \[default\]: ", "my keys"),
            (r"awsenv: 'my keys' cannot be a profile name .*; try again\r\n", None),
            (r"(?m)^name for the new key profile \[default\]: ", ""),
            (r"(?m)^access key ID: ", "AKIA 1"),
            (r"awsenv: an access key ID is 16 to 128 letters and digits .*; try again\r\n", None),
            (r"(?m)^access key ID: ", "AKIANEWKEY0000000001"),
            (r"secret access key \(not shown\): ", ""),
            (r"awsenv: a secret access key is one word, not empty; try again\r\n", None),
            (r"secret access key \(not shown\): ", secret),
            (r"(?m)^session profile name \[mfa\]: ", ""),
            (ROLE_ASKED, ""),
            (r"(?m)^write these changes\? \[y/N\]: ", "y"),
            (r"(?m)^add it to .*\.bashrc\? \[y/N\]: ", "n"),
        ],
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    credentials = aws.credentials.read_text()
    assert "aws_access_key_id = AKIANEWKEY0000000001\n" in credentials
    assert f"aws_secret_access_key = {secret}\n" in credentials
    assert secret not in log.getvalue()

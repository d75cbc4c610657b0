"""A graphical prompt: with no controlling terminal and a display, the MFA code
is asked for in a dialog (zenity, else kdialog on Linux), as AWSENV_PROMPT
(auto|tty|gui|none) chooses. The code comes back on the dialog's stdout and
is never on its command line. First with recorded stand-ins on PATH (the
choice rules), then for real: Debian's zenity under Xvfb, typed into with
xdotool."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AWSENV, CODE, DEFAULT_SECRET, AwsEnv, Run, require

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="zenity/kdialog: Linux")

TITLE = "awsenv: MFA code"


def stand_in(bin_dir: Path, name: str, record: Path, *, status: int = 0) -> None:
    """A dialog program that records its argv and environment, then prints
    the code (or, with a non-zero status, nothing: the person cancelled)."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(record)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv, 'env': dict(os.environ)}) + '\\n')\n"
        f"print({CODE!r}) if {status} == 0 else None\n"
        f"sys.exit({status})\n"
    )
    script.chmod(0o755)


def recorded(record: Path) -> list[dict[str, object]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def run(aws: AwsEnv, bin_dir: Path, **env: str) -> Run:
    """`awsenv process dev` with no controlling terminal; PATH holds the
    stand-ins and awsenv's own directory only (not the machine's zenity)."""
    environ = {**aws.environ, "PATH": os.pathsep.join((str(bin_dir), str(Path(AWSENV).parent)))}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "AWSENV_PROMPT"):
        environ.pop(name, None)
    return aws.run("process", "dev", env={**environ, **env})


@pytest.fixture
def dialogs(aws: AwsEnv, tmp_path: Path) -> tuple[Path, Path]:
    aws.seed()
    bin_dir, record = tmp_path / "bin", tmp_path / "dialog-calls"
    stand_in(bin_dir, "zenity", record)
    return bin_dir, record


def test_auto_with_a_display_asks_in_zenity_and_no_code_is_on_its_command_line(
    aws: AwsEnv, dialogs: tuple[Path, Path]
) -> None:
    bin_dir, record = dialogs
    result = run(aws, bin_dir, DISPLAY=":77")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
    assert aws.sts.requests_log[0]["token_code"] == CODE  # the dialog's answer
    (call,) = recorded(record)
    argv = call["argv"]
    assert isinstance(argv, list)
    assert argv[1:4] == ["--entry", "--hide-text", f"--title={TITLE}"]
    assert argv[4:] == ["--text", "MFA code for arn:aws:iam::123456789012:mfa/alice"]
    env = call["env"]
    assert isinstance(env, dict)
    # The code as a number of its own (the account id 123456789012 holds its digits).
    code = re.compile(rf"(?<![0-9]){CODE}(?![0-9])")
    for text in [*argv[1:], *map(str, env.values())]:
        assert not code.search(text) and DEFAULT_SECRET not in text, text
    assert env["DISPLAY"] == ":77"


def test_wayland_alone_is_a_display(aws: AwsEnv, dialogs: tuple[Path, Path]) -> None:
    bin_dir, record = dialogs
    result = run(aws, bin_dir, WAYLAND_DISPLAY="wayland-0")
    assert result.returncode == 0, result.stderr
    assert len(recorded(record)) == 1


def test_kdialog_when_there_is_no_zenity(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    bin_dir, record = tmp_path / "bin", tmp_path / "dialog-calls"
    stand_in(bin_dir, "kdialog", record)
    result = run(aws, bin_dir, DISPLAY=":77")
    assert result.returncode == 0, result.stderr
    (call,) = recorded(record)
    assert call["argv"][1:] == [  # type: ignore[index]
        "--title",
        TITLE,
        "--password",
        "MFA code for arn:aws:iam::123456789012:mfa/alice",
    ]


def test_gui_asks_in_a_dialog(aws: AwsEnv, dialogs: tuple[Path, Path]) -> None:
    bin_dir, record = dialogs
    result = run(aws, bin_dir, DISPLAY=":77", AWSENV_PROMPT="gui")
    assert result.returncode == 0, result.stderr
    assert len(recorded(record)) == 1


@pytest.mark.parametrize(
    ("env", "line"),
    [
        # No display: today's one line.
        ({}, "and there is no terminal to ask on; pass --mfa-code CODE"),
        ({"AWSENV_PROMPT": "auto"}, "and there is no terminal to ask on"),
        # tty: the terminal only, even with a display.
        ({"AWSENV_PROMPT": "tty", "DISPLAY": ":77"}, "and there is no terminal to ask on"),
        # none: nobody is asked, even with a display.
        ({"AWSENV_PROMPT": "none", "DISPLAY": ":77"}, "and AWSENV_PROMPT=none asks nobody"),
        ({"AWSENV_PROMPT": "gui"}, "and AWSENV_PROMPT=gui finds no dialog to ask in"),
        ({"AWSENV_PROMPT": "dialog", "DISPLAY": ":77"}, "AWSENV_PROMPT must be one of "),
    ],
)
def test_where_no_dialog_may_open_none_opens_and_the_error_is_one_line(
    aws: AwsEnv, dialogs: tuple[Path, Path], env: dict[str, str], line: str
) -> None:
    bin_dir, record = dialogs
    before = aws.snapshot()
    result = run(aws, bin_dir, **env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert line in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert recorded(record) == []
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


def test_a_cancelled_dialog_is_one_line_and_changes_nothing(aws: AwsEnv, tmp_path: Path) -> None:
    aws.seed()
    bin_dir, record = tmp_path / "bin", tmp_path / "dialog-calls"
    stand_in(bin_dir, "zenity", record, status=1)
    before = aws.snapshot()
    result = run(aws, bin_dir, DISPLAY=":77")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "awsenv: no MFA code was entered (the dialog was closed)\n"
    assert len(recorded(record)) == 1
    assert aws.sts.calls == {}
    assert aws.snapshot() == before


# ---------------------------------------------------------------- for real


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A real X server on a free display (Xvfb picks it: -displayfd)."""
    for tool in ("Xvfb", "zenity", "xdotool"):
        require(tool)
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write)
    try:
        number = b""
        deadline = time.monotonic() + 60
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
        assert number.strip().isdigit(), f"Xvfb gave no display: {number!r}"
        yield f":{number.decode().strip()}"
    finally:
        os.close(read)
        server.kill()
        server.wait()


def test_zenity_under_xvfb_typed_into_with_xdotool(aws: AwsEnv, xvfb: str) -> None:
    aws.seed()
    env = {**aws.environ, "DISPLAY": xvfb}
    env.pop("WAYLAND_DISPLAY", None)
    awsenv = subprocess.Popen(
        [AWSENV, "process", "dev"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal
    )
    try:
        typed = subprocess.run(
            [
                *("xdotool", "search", "--sync", "--name", TITLE),
                *("windowfocus", "--sync", "type", "--delay", "50", CODE),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert typed.returncode == 0, typed.stderr
        subprocess.run(["xdotool", "key", "Return"], env=env, timeout=60, check=True)
        out, err = awsenv.communicate(timeout=120)
    finally:
        if awsenv.poll() is None:
            os.killpg(awsenv.pid, 9)
            awsenv.wait()
    assert awsenv.returncode == 0, err
    document = json.loads(out)
    assert document["Version"] == 1 and document["AccessKeyId"].startswith("ASIA")
    assert document["AccountId"] == "123456789012"
    assert aws.sts.requests_log[0]["token_code"] == CODE
    # The code as a number of its own (the account id 123456789012 holds its digits).
    assert not re.search(rb"(?<![0-9])" + CODE.encode() + rb"(?![0-9])", err)


@pytest.mark.parametrize(
    ("platform", "program"), [("darwin", "osascript"), ("win32", "powershell")]
)
def test_macos_and_windows_dialogs_need_no_display_and_get_the_text_from_the_environment(
    tmp_path: Path, platform: str, program: str
) -> None:
    """osascript and PowerShell (run here as recorded stand-ins under their
    names) read the text from MFA_DIALOG_TEXT: nothing is quoted into their
    scripts, and the answer comes back on stdout."""
    from awsenv.core import dialog

    bin_dir, record = tmp_path / "bin", tmp_path / "dialog-calls"
    stand_in(bin_dir, program, record)
    found = dialog.find({"PATH": str(bin_dir)}, platform)  # no DISPLAY
    assert found is not None and found.argv[0] == str(bin_dir / program)
    assert found.ask("MFA code for arn:aws:iam::123456789012:mfa/alice") == CODE
    (call,) = recorded(record)
    env = call["env"]
    assert isinstance(env, dict)
    assert env["MFA_DIALOG_TEXT"] == "MFA code for arn:aws:iam::123456789012:mfa/alice"
    assert not any("123456789012" in word for word in call["argv"])  # type: ignore[attr-defined]


def test_linux_without_a_dialog_program_has_none(tmp_path: Path) -> None:
    from awsenv.core import dialog

    assert dialog.find({"PATH": str(tmp_path), "DISPLAY": ":77"}, "linux") is None

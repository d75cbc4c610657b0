"""`awsenv exec PROFILE [options] [-- COMMAND [ARGS...]]`: run COMMAND (else
the person's $SHELL) with the profile's credentials in its environment, for
CI, scripts and a shell of its own.

The environment is the one an export would leave in a shell; the secrets
travel in it, never on a command line. On POSIX awsenv becomes COMMAND
(execvp): no awsenv lingers, signals reach COMMAND, its status is the status.
With --server, awsenv stays beside COMMAND and serves the credentials from a
local endpoint instead (exec_server.py). Either way COMMAND's environment
holds AWSENV_EXEC=PROFILE, so an awsenv exec inside it knows it is nested.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from awsenv.commandline import BY_NAME
from awsenv.commands.shared import obtain_for, parse, profile_of
from awsenv.errors import CommandError
from awsenv.stderr import Console

USAGE = BY_NAME["exec"].usage()
# The profile of the `awsenv exec` whose COMMAND (or shell) this is.
MARKER = "AWSENV_EXEC"


def run(argv: Sequence[str], console: Console) -> int:
    # awsenv's own words end at the first `--`; everything after is COMMAND's.
    words = list(argv)
    cut = words.index("--") if "--" in words else len(words)
    own, command = words[:cut], words[cut + 1 :]
    args = parse("exec", own)
    profile = profile_of(args, console)
    outer = os.environ.get(MARKER)
    if outer:
        what = "COMMAND gets" if command else "the new shell gets"
        after = "" if command else ", and `exit` returns to the outer one"
        console.say(
            f"nested: this runs inside `awsenv exec {outer}` ({MARKER}={outer}); "
            f"{what} {profile}'s credentials{after}"
        )
    command = command or [login_shell(os.environ)]
    # Found before a code is spent or a file written: a typo costs nothing.
    program = find(command[0], os.environ.get("PATH"))
    # The endpoint's clients are SDKs (their container provider): their window.
    outcome = obtain_for(args, profile, console, for_sdk=bool(args.server))
    if args.server:
        from awsenv.commands.exec_server import serve

        return serve(program, command, outcome, args, console, {MARKER: profile})
    env = outcome.exports.applied_to(os.environ)
    env[MARKER] = profile
    return launch(program, command, env)


def login_shell(environ: Mapping[str, str]) -> str:
    """The shell `awsenv exec PROFILE` starts: the person's $SHELL, as su and
    aws-vault take it; else the system's."""
    if sys.platform == "win32":
        return environ.get("COMSPEC") or "cmd.exe"
    return environ.get("SHELL") or "/bin/sh"


def find(name: str, path: str | None) -> str:
    """The file COMMAND names, as execvp would find it (a name with a slash as
    it stands, else the first runnable one on PATH, which an export never
    changes); CommandError with the shells' statuses when there is none: 127
    not found, 126 found but not runnable."""
    if not name:
        raise CommandError("the command name is empty", not_found=True)
    if os.sep in name or (os.altsep and os.altsep in name):
        _check_runnable(name)
        return name
    found = shutil.which(name, path=path)
    if found is not None:
        return found
    if shutil.which(name, mode=os.F_OK, path=path) is not None:
        raise CommandError(f"{name}: cannot run it: Permission denied")
    raise CommandError(f"{name}: command not found", not_found=True)


def _check_runnable(path: str) -> None:
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        raise CommandError(f"{path}: No such file or directory", not_found=True) from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot run it: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise CommandError(f"{path}: cannot run it: Is a directory")
    if not os.access(path, os.X_OK):
        raise CommandError(f"{path}: cannot run it: Permission denied")


def launch(program: str, command: list[str], env: dict[str, str]) -> int:
    """Run `program` (COMMAND as found) with the words `command`: in place of
    awsenv on POSIX; as a child on Windows, whose exec only imitates
    replacement (the parent would see awsenv exit early)."""
    try:
        if sys.platform == "win32":
            import subprocess

            return subprocess.run(command, executable=program, env=env, check=False).returncode
        sys.stderr.flush()
        # The person's own command, word for word: no shell in between.
        os.execve(program, command, env)  # noqa: S606
    except OSError as exc:
        # It was found: what fails now is its interpreter, its format, a race.
        raise CommandError(f"{command[0]}: cannot run it: {exc.strerror}") from None
    raise AssertionError("unreachable: execve returned")  # pragma: no cover

"""`awsenv exec PROFILE [options] -- COMMAND [ARGS...]`: run COMMAND with the
profile's credentials in its environment, for CI and scripts.

The environment is the one an export would leave in a shell; the secrets
travel in it, never on a command line. On POSIX awsenv becomes COMMAND
(execvp): no awsenv lingers, signals reach COMMAND, its status is the status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from awsenv.cli import credential_parser, obtain_for, profile_of
from awsenv.console import Console
from awsenv.errors import CommandError, UsageError

USAGE = "awsenv exec PROFILE [options] -- COMMAND [ARGS...]"


def parser() -> argparse.ArgumentParser:
    return credential_parser("awsenv exec", f"Run a command with a profile's credentials: {USAGE}")


def run(argv: Sequence[str], console: Console) -> int:
    # awsenv's own words end at the first `--`; everything after is COMMAND's.
    words = list(argv)
    cut = words.index("--") if "--" in words else len(words)
    own, command = words[:cut], words[cut + 1 :]
    args = parser().parse_args(own)
    profile = profile_of(args, console)
    if not command:
        raise UsageError(f"no command to run; usage: {USAGE}")
    outcome = obtain_for(args, profile, console)
    return launch(command, outcome.exports.applied_to(os.environ))


def launch(command: list[str], env: dict[str, str]) -> int:
    """Run COMMAND: in place of awsenv on POSIX; as a child on Windows, whose
    exec only imitates replacement (the parent would see awsenv exit early)."""
    try:
        if sys.platform == "win32":
            import subprocess

            return subprocess.run(command, env=env, check=False).returncode
        sys.stderr.flush()
        # The person's own command, word for word: no shell in between.
        os.execvpe(command[0], command, env)  # noqa: S606
    except FileNotFoundError:
        raise CommandError(f"{command[0]}: command not found", not_found=True) from None
    except OSError as exc:
        raise CommandError(f"{command[0]}: cannot run it: {exc.strerror}") from None
    raise AssertionError("unreachable: execvpe returned")  # pragma: no cover

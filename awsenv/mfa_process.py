"""`mfa_process = COMMAND`: an MFA code from a program (a YubiKey, a password
manager) instead of a person at a terminal.

The command is split as botocore splits credential_process (no shell), runs
with no stdin (it must not eat a code meant for `--mfa-code -`) and its
stderr passes through, so "touch your YubiKey" reaches the person. Its stdout
is a code: nothing about it is ever echoed, in an error or in --debug.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass

from awsenv.errors import ConfigError

TIMEOUT = 30.0  # seconds: long enough to touch a key, short enough for a script
_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class MfaProcess:
    profile: str  # the profile whose mfa_process this is, named in every failure
    command: str

    def code(self, timeout: float = TIMEOUT) -> str:
        where = f"profile {self.profile!r}: mfa_process"
        try:
            argv = shlex.split(self.command, posix=sys.platform != "win32")
        except ValueError:
            raise ConfigError(
                f"{where} cannot be split into words (an unbalanced quote?)"
            ) from None
        if not argv:
            raise ConfigError(f"{where} is empty")
        try:
            proc = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ConfigError(f"{where} gave no code within {timeout:g} s") from None
        except OSError as exc:
            raise ConfigError(f"{where} cannot be run: {argv[0]}: {exc.strerror}") from None
        if proc.returncode != 0:
            raise ConfigError(f"{where} failed (exit status {proc.returncode})")
        code = proc.stdout.decode("utf-8", "replace").strip()
        if not _CODE.fullmatch(code):
            raise ConfigError(f"{where} printed something that is not a 6-digit code")
        return code

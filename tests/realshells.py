"""Run awsenv's output in the real shells and read the variables back exactly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# nushell's official build, from the npm registry (tests/clients-setup.sh):
# npm installs the one package of this platform (linux-x64: @nushell/linux-x64).
_NU_BUILDS = sorted(
    (Path(__file__).resolve().parent / "clients/node_modules/@nushell").glob("*/bin/nu")
)
NU = str(_NU_BUILDS[0]) if _NU_BUILDS else "nu-not-installed-by-tests-clients-setup"

# Strict mode, as the shells' own users would have it at worst.
COMMANDS = {
    "bash": ["bash", "--noprofile", "--norc", "-e", "-u", "-o", "pipefail"],
    "zsh": ["zsh", "-f", "-e", "-u"],
    "sh": ["dash", "-e", "-u"],
    "fish": ["fish", "--no-config"],
    "elvish": ["elvish", "-norc"],
    "tcsh": ["tcsh", "-f", "-e"],
    "xonsh": ["xonsh", "--no-rc"],
}
# nushell cannot eval: its export is a JSON record that `load-env` sets, and
# removals are its wrapper's (tests/test_shell_nu.py), so it is not in COMMANDS.
LOADERS = {"nu": [NU, "-n"]}

_POSIX_DUMP = """\
eval "$(cat "$AWSENV_TEST_CODE")"
if [ -n "${ZSH_VERSION-}" ]; then setopt shwordsplit; fi
for name in $AWSENV_TEST_NAMES; do
  eval "isset=\\${$name+x}"
  if [ -n "$isset" ]; then eval "printf '%s=%s\\0' \\"\\$name\\" \\"\\${$name}\\""; fi
done
"""

_FISH_DUMP = """\
source $AWSENV_TEST_CODE; or exit 3
for name in (string split ' ' -- $AWSENV_TEST_NAMES)
  if set -q $name
    printf '%s=%s\\0' $name "$$name"
  end
end
"""

# elvish: the idiom `eval (awsenv ... | slurp)`; an exception fails the run.
_ELVISH_DUMP = """\
eval (slurp < $E:AWSENV_TEST_CODE)
use str
for name [(str:split ' ' $E:AWSENV_TEST_NAMES)] {
  if (has-env $name) { print $name'='(get-env $name)"\\x00" }
}
"""

# tcsh: the idiom eval "`awsenv ...`" (cat stands in for awsenv); tcsh has no
# printf of its own, so a Python child reports the environment it was given.
_TCSH_DUMP = """\
eval "`cat $AWSENV_TEST_CODE:q`"
"$AWSENV_TEST_PYTHON" -c "$AWSENV_TEST_REPORT:q"
"""
# What that child runs: each name that is set, as NAME=VALUE and a NUL.
_REPORT = (
    "import os, sys\n"
    "names = os.environ['AWSENV_TEST_NAMES'].split()\n"
    "sys.stdout.write(''.join(f'{n}={os.environ[n]}\\0' for n in names if n in os.environ))\n"
)

# xonsh: execx() of the code, read by Python. Not `execx($(cat ...))`: xonsh
# 0.13's $() now and then returns '' for a fast command on a busy machine (2 in
# 100 runs at 4 in parallel here; xonsh#6112 mends one such race), which would
# fail a test of quoting for a reason that is not quoting. The idiom itself is
# run by tests/test_shell_xonsh.py. nushell: awsenv ... | from json | load-env.
_XONSH_DUMP = """\
execx(open($AWSENV_TEST_CODE, encoding='utf-8').read())
for name in $AWSENV_TEST_NAMES.split():
    if name in ${...}:
        print(name + '=' + ${...}[name], end='\\0')
"""

_NU_DUMP = """\
open --raw $env.AWSENV_TEST_CODE | from json | load-env
for name in ($env.AWSENV_TEST_NAMES | split row ' ') {
    if $name in $env { print --no-newline $"($name)=($env | get $name)\\u{0}" }
}
"""
DUMPS = {
    "fish": _FISH_DUMP,
    "elvish": _ELVISH_DUMP,
    "tcsh": _TCSH_DUMP,
    "xonsh": _XONSH_DUMP,
    "nu": _NU_DUMP,
}


UTF8_LOCALE = "en_US.UTF-8" if sys.platform == "darwin" else "C.UTF-8"


def available(shell: str) -> bool:
    return shutil.which({**COMMANDS, **LOADERS}[shell][0]) is not None


@dataclass
class ShellResult:
    returncode: int
    variables: dict[str, str]
    stderr: str


def evaluate(
    shell: str,
    code: str,
    names: list[str],
    tmp: Path,
    preset: dict[str, str] | None = None,
) -> ShellResult:
    """Evaluate `code` the way users do (eval / source), then report `names`."""
    code_file = tmp / f"code.{shell}"
    code_file.write_bytes(code.encode("utf-8"))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        # macOS has no C.UTF-8; a missing locale would make the shells warn.
        "LANG": UTF8_LOCALE,
        "LC_ALL": UTF8_LOCALE,
        "AWSENV_TEST_CODE": str(code_file),
        "AWSENV_TEST_NAMES": " ".join(names),
        "AWSENV_TEST_PYTHON": sys.executable,
        "AWSENV_TEST_REPORT": _REPORT,
        **(preset or {}),
    }
    script = DUMPS.get(shell, _POSIX_DUMP)
    proc = subprocess.run(
        [*{**COMMANDS, **LOADERS}[shell], "-c", script],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    variables = {}
    for item in proc.stdout.decode("utf-8").split("\0"):
        if item:
            name, _, value = item.partition("=")
            variables[name] = value
    return ShellResult(proc.returncode, variables, proc.stderr.decode("utf-8", "replace"))

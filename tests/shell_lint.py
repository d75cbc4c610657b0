"""The shells' own linters on awsenv's generated bash and sh code, with every
exclusion listed here, once, with its reason.

Run as a script (`.ci/run` does) it lints `awsenv init bash` and the exports
of a typical session for bash and sh; the tests (test_shell_lint.py) add a real
export from the local STS and the nasty-value corpus.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# `shfmt -d` with the house style: two-space indents, `case` patterns
# indented under their `case`.
SHFMT_STYLE = ("-i", "2", "-ci")
DIALECT = {"bash": ("bash", "bash"), "sh": ("sh", "posix")}  # shell: (shellcheck, shfmt)

# Code awsenv writes itself (the init integration, the export lines) needs no
# exclusion. These notes come only from the *values*: single quotes keep any
# string literal on purpose, and shellcheck, seeing one, asks whether the
# literal was meant.
DATA_EXCLUSIONS = {
    "SC1003": "a value ending in a backslash, which stays literal inside '...'",
    "SC1112": "a unicode quote in a value, which is data",
    "SC2016": "a `$` in a value, which must not expand",
    "SC2088": "a `~` in a value, which must not expand",
}
# shfmt rewrites a vertical tab or form feed inside a quoted string into a
# line break: that is data, not layout, so such values are left out of its run.
SHFMT_UNSAFE_DATA = ("\x0b", "\x0c")


def shellcheck(shell: str, code: str, exclude: Sequence[str] = ()) -> str:
    """shellcheck --enable=all's notes on `code`, or "" when it is clean."""
    argv = ["shellcheck", "--enable=all", "-s", DIALECT[shell][0], "-f", "gcc"]
    if exclude:
        argv += ["--exclude", ",".join(exclude)]
    proc = subprocess.run(
        [*argv, "-"], input=code.encode(), capture_output=True, timeout=60, check=False
    )
    return (proc.stdout + proc.stderr).decode("utf-8", "replace")


def shfmt_diff(shell: str, code: str) -> str:
    """shfmt -d's diff of `code` against its own formatting, or "" when none."""
    proc = subprocess.run(
        ["shfmt", "-ln", DIALECT[shell][1], *SHFMT_STYLE, "-d"],
        input=code.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    return (proc.stdout + proc.stderr).decode("utf-8", "replace")


def typical_exports() -> dict[str, str]:
    """The lines an export of a role session prints, and `awsenv unset`, per shell."""
    from datetime import datetime, timedelta, timezone

    from awsenv.aws.credentials import Credentials
    from awsenv.core.exports import Exports
    from awsenv.render.templates import render_exports
    from awsenv.shell import SHELLS

    creds = Credentials(
        "ASIAEXAMPLEEXAMPLE01",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "FwoGZXIvYXdzEBYaD+example/token==",
        datetime.now(timezone.utc) + timedelta(hours=1),
    )
    export = Exports.build("dev", creds, region="eu-central-1", aws_profile="dev")
    return {
        f"{shell} {what}": render_exports(SHELLS[shell], exports)
        for shell in DIALECT
        for what, exports in (("export", export), ("unset", Exports.clear()))
    }


def init_code(shell: str) -> str:
    awsenv = Path(sys.executable).parent / "awsenv"
    return subprocess.run(
        [str(awsenv), "init", shell], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def main() -> int:
    cases = {"bash init": ("bash", init_code("bash"))}
    cases.update({name: (name.split()[0], code) for name, code in typical_exports().items()})
    failed = False
    for name, (shell, code) in cases.items():
        for tool, notes in (
            ("shellcheck", shellcheck(shell, code)),
            ("shfmt", shfmt_diff(shell, code)),
        ):
            if notes:
                failed = True
                print(f"{name}: {tool}:\n{notes}", file=sys.stderr)
    print(f"shell lint: {len(cases)} generated scripts, {'FAILED' if failed else 'clean'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

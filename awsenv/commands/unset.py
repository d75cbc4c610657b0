"""`awsenv unset`: print code that removes every variable awsenv sets."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from awsenv.commands.shared import parse, shell_named, write
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("unset", argv)
    from awsenv import fastpath
    from awsenv.core.exports import Exports
    from awsenv.render.templates import render_exports

    shell = shell_named(args.shell)
    if sys.stdout is not None and sys.stdout.isatty():
        # Code printed to a terminal changes nothing: say so, as the export does.
        from awsenv.render.templates import render_macro

        line = render_macro(shell, "usage", profile="unset").strip()
        console.say("nothing was unset: awsenv unset prints code for the shell to run")
        console.say(f"to unset awsenv's variables in this shell, run: {line}")
        return 0
    # Its text depends on the program alone: a memo serves the next one.
    with fastpath.recording(os.environ, "", shell.name, command="unset") as memo:
        text = render_exports(shell, Exports.clear())
        write(text)
        memo.printed(text)
    return 0

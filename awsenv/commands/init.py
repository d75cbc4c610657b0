"""`awsenv init SHELL`: print the shell integration (wrapper function, prompt hook)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.cli import Parser, shell_named, write
from awsenv.commands import ANYWHERE, PASSTHROUGH
from awsenv.console import Console


def run(argv: Sequence[str], console: Console) -> int:
    parser = Parser(prog="awsenv init", description="Print the shell integration.")
    parser.add_argument("shell", metavar="SHELL", help="bash, zsh, fish or pwsh")
    args = parser.parse_args(argv)
    from awsenv import fastpath
    from awsenv.render import render_macro

    shell = shell_named(args.shell)
    # Its text depends on the program alone: the next `init` (every new
    # terminal) is served from a memo, without argparse or jinja2.
    with fastpath.recording(os.environ, "", shell.name, command="init") as memo:
        text = render_macro(shell, "init", passthrough=list(PASSTHROUGH), anywhere=list(ANYWHERE))
        write(text)
        memo.printed(text)
    return 0

"""`awsenv init SHELL`: print the shell integration (wrapper function, prompt hook)."""

from __future__ import annotations

from collections.abc import Sequence

from awsenv.cli import Parser, shell_named, write
from awsenv.commands import ANYWHERE, PASSTHROUGH
from awsenv.console import Console


def run(argv: Sequence[str], console: Console) -> int:
    parser = Parser(prog="awsenv init", description="Print the shell integration.")
    parser.add_argument("shell", metavar="SHELL", help="bash, zsh, fish or pwsh")
    args = parser.parse_args(argv)
    from awsenv.render import render_macro

    write(
        render_macro(
            shell_named(args.shell),
            "init",
            passthrough=list(PASSTHROUGH),
            anywhere=list(ANYWHERE),
        )
    )
    return 0

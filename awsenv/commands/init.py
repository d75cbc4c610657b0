"""`awsenv init SHELL`: print the shell integration (wrapper function, prompt
hook, completion)."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Sequence

from awsenv.commandline import ANYWHERE, NAMES, PASSTHROUGH, PROFILE_ARGUMENT
from awsenv.commands.shared import Parser, export_parser, shell_named, write
from awsenv.stderr import Console


def parser() -> Parser:
    parser = Parser(prog="awsenv init", description="Print the shell integration.")
    parser.add_argument("shell", metavar="SHELL", help="bash, zsh, fish or pwsh")
    return parser


def run(argv: Sequence[str], console: Console) -> int:
    args = parser().parse_args(argv)
    from awsenv import fastpath
    from awsenv.render.templates import render_macro

    shell = shell_named(args.shell)
    # Its text depends on the program alone: the next `init` (every new
    # terminal) is served from a memo, without argparse or jinja2.
    with fastpath.recording(os.environ, "", shell.name, command="init") as memo:
        text = render_macro(
            shell,
            "init",
            passthrough=list(PASSTHROUGH),
            anywhere=list(ANYWHERE),
            completion=completion(),
        )
        write(text)
        memo.printed(text)
    return 0


def completion() -> dict[str, object]:
    """What the completers offer, read from the parsers themselves: the
    subcommands, each one's long options ("" for an export), and the
    subcommands whose first argument is a profile."""
    options = {"": _long_options(export_parser())}
    for name in sorted(NAMES):
        module = importlib.import_module(f"awsenv.commands.{name}")
        make = getattr(module, "parser", None)  # a subcommand may take no options
        options[name] = _long_options(make()) if make else []
    return {
        "subcommands": sorted(NAMES),
        "options": sorted(options.items()),
        "profile_argument": list(PROFILE_ARGUMENT),
    }


def _long_options(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(o for a in parser._actions for o in a.option_strings if o.startswith("--"))

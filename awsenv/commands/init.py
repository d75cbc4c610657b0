"""`awsenv init SHELL`: print the shell integration (wrapper function, prompt
hook, completion)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.commandline import ANYWHERE, PASSTHROUGH, completion
from awsenv.commands.shared import parse, shell_named, write
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("init", argv)
    from awsenv import fastpath
    from awsenv.render.templates import render_macro, shells_with

    shell = shell_named(args.shell)
    # Its text depends on the program alone: the next `init` (every new
    # terminal) is served from a memo, without argparse or jinja2.
    with fastpath.recording(os.environ, "", shell.name, command="init") as memo:
        text = render_macro(
            shell,
            "init",
            passthrough=list(PASSTHROUGH),
            anywhere=list(ANYWHERE),
            completion={**completion(), "init_shells": shells_with("init")},
        )
        write(text)
        memo.printed(text)
    return 0

"""The `awsenv` command: dispatch to the subcommand the first word names (the
table in commandline.py), else the export. Each subcommand's adapter lives in
awsenv/commands/ (parse, call the core, render, write); the errors of all of
them become one stderr line and an exit code here, in `main`.

stdout is a protocol: it carries shell code and nothing else, and nothing at
all on failure. Everything for people goes to stderr through the Console.
"""

from __future__ import annotations

import sys

from awsenv.errors import EXIT_INTERRUPTED, AwsenvError
from awsenv.stderr import Console

# Cheap to import: the fast path comes through here, before anything heavy.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run awsenv: the cheap answers first, else the subcommand. Every failure
    of every path becomes one stderr line and an exit code here."""
    console = Console()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = _cheap(args)
        return status if status is not None else run(args, console)
    except AwsenvError as exc:
        console.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        console.say("interrupted; nothing was changed")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away: quietly, as Unix tools do
        from awsenv.stdout import EXIT_BROKEN_PIPE

        return EXIT_BROKEN_PIPE
    except Exception as exc:  # the last line of defence: never a raw traceback
        if "--debug" in args:
            import traceback

            console.stream.write(console.redact(traceback.format_exc()))
        console.error(f"internal error ({type(exc).__name__}); run with --debug for details")
        return 1


def _cheap(args: list[str]) -> int | None:
    """The answers given at about the cost of starting Python, before
    argparse, configparser or jinja2 load: a memo that still holds
    (fastpath.py), and `list --names` (the shell completers' source) from the
    section headers, which leaves the memo of its text. None: the full path
    answers."""
    from awsenv import fastpath

    status = fastpath.serve(args)
    if status is not None:
        return status
    from awsenv.commandline import OUTPUT, read

    call = read(args)
    if call is None or (call.command.name, call.flags) != fastpath.LISTING_CALL or call.values:
        return None
    import os

    from awsenv import profile_names as names

    # The memo the next call is served from (fastpath.serve, above), begun
    # before the files are read: it is left only if the program that started
    # is still the one there.
    with fastpath.recording(os.environ, "", fastpath.LISTING, "list") as memo:
        files = names.read_files(os.environ)
        text = None if files is None else names.names_text(files)
        if text is None:
            return None
        from awsenv.stdout import carrying, write_stdout

        carrying(OUTPUT["list"])
        write_stdout(text)
        memo.printed(text, files=files)
    return 0


def run(argv: Sequence[str], console: Console) -> int:
    """Dispatch: a subcommand's module when the first word is one, else an export."""
    import importlib

    from awsenv import stdout as output
    from awsenv.commandline import BY_NAME, NAMES, OUTPUT

    first = argv[0] if argv else ""
    name = first if first in NAMES else ""
    # A command that obtains credentials may run under an SDK, which pipes
    # stderr and drops it on success: every line reaches the person's
    # terminal too, when there is one and stderr is not it.
    console.terminal_too = BY_NAME[name].resolves
    if name in OUTPUT:
        output.carrying(OUTPUT[name])
    command = importlib.import_module(f"awsenv.commands.{name or 'export'}")
    return int(command.run(argv[1:] if name else argv, console))


if __name__ == "__main__":
    sys.exit(main())

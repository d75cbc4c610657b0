"""The `awsenv` command: the fast path first, then the full command line."""

import sys


def main() -> int:
    if sys.argv[1:] == ["list", "--names"]:
        # The shell completers' source, at about the cost of starting Python:
        # before the fast path and the full CLI (argparse, configparser) load.
        from awsenv.commandline import OUTPUT
        from awsenv.profile_names import names_text
        from awsenv.stdout import carrying, write_or_say

        text = names_text()
        if text is not None:
            carrying(OUTPUT["list"])
            return write_or_say(text)
    from awsenv import fastpath

    status = fastpath.serve(sys.argv[1:])
    if status is not None:
        return status
    from awsenv.cli import main as full

    return full()


if __name__ == "__main__":
    sys.exit(main())

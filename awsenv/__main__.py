"""The `awsenv` command: the fast path first, then the full command line."""

import sys


def main() -> int:
    from awsenv import fastpath

    if fastpath.serve(sys.argv[1:]):
        return 0
    from awsenv.cli import main as full

    return full()


if __name__ == "__main__":
    sys.exit(main())

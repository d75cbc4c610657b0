"""The `awsenv` command: the fast path first, then the full command line."""

import sys


def main() -> int:
    from awsenv import fastpath

    status = fastpath.serve(sys.argv[1:])
    if status is not None:
        return status
    from awsenv.cli import main as full

    return full()


if __name__ == "__main__":
    sys.exit(main())

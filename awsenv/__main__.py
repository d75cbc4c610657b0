"""`awsenv` and `python -m awsenv`: cli.main, which answers from a memo
when it can (fastpath.py) and is the one place errors are said."""

import sys


def main() -> int:
    from awsenv.cli import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())

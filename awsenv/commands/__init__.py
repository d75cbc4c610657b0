"""The subcommands, one module each; this table is the one list of their names.

The CLI dispatches by it, the fast path never serves a memo for a word in it,
and the `init` wrappers are told by it which words to run as they are and
which print shell code to evaluate. A profile whose name is a subcommand stays
reachable as `awsenv -p NAME`.

Kept free of imports: the fast path reads it before anything heavy is loaded.
"""

from __future__ import annotations

# (name, whether its stdout is shell code that the init wrappers evaluate)
TABLE: tuple[tuple[str, bool], ...] = (
    ("init", False),
    ("unset", True),
    ("process", False),
    ("exec", False),
    ("list", False),
    ("explain", False),
    ("setup", False),
    ("console", False),
)

NAMES = frozenset(name for name, _ in TABLE)

# What the wrappers run as it is when it comes first: subcommands whose output
# is for people or programs, not for eval; help and version wherever they are.
ANYWHERE = ("-h", "--help", "--version")
PASSTHROUGH = (*(name for name, evaluated in TABLE if not evaluated), *ANYWHERE)

# The subcommands whose first argument is a profile, for the shell completers.
PROFILE_ARGUMENT = ("process", "exec", "explain", "console")

"""The subcommands, one module each; this table is the one list of their names.

The CLI dispatches by it, the fast path never serves a memo for a word in it,
and the `init` wrappers are told by it which words to run as they are and
which print shell code to evaluate. A profile whose name is a subcommand stays
reachable as `awsenv -p NAME`.

Kept free of imports: the fast path reads it before anything heavy is loaded.
"""

from __future__ import annotations

# (name, whether its stdout is shell code that the init wrappers evaluate,
#  what its stdout carries, as a failure to write it says: None when stdout is
#  not awsenv's to write, as exec's is COMMAND's)
TABLE: tuple[tuple[str, bool, str | None], ...] = (
    ("init", False, "the shell integration"),
    ("unset", True, "the shell code"),
    ("process", False, "the credential_process JSON"),
    ("exec", False, None),
    ("list", False, "the listing"),
    ("explain", False, "the explanation"),
    ("setup", False, "the diff"),
    ("console", False, "the sign-in URL"),  # only with --print
)
NAMES = frozenset(name for name, _, _ in TABLE)
# What each one writes to stdout; "" is `awsenv PROFILE`, the export.
OUTPUT = {"": "the shell code", **{name: what for name, _, what in TABLE if what}}

# What the wrappers run as it is when it comes first: subcommands whose output
# is for people or programs, not for eval; help and version wherever they are.
ANYWHERE = ("-h", "--help", "--version")
PASSTHROUGH = (*(name for name, evaluated, _ in TABLE if not evaluated), *ANYWHERE)

# The subcommands whose first argument is a profile, for the shell completers.
PROFILE_ARGUMENT = ("process", "exec", "explain", "console")

"""No awsenv that calls itself forever.

`credential_process = awsenv process dev` belongs in a profile of its own. Put
where awsenv would resolve it for that very profile (directly, or as the
source of a role), awsenv would run botocore, which runs awsenv, which... It
is caught from the files, before anything runs; and at run time, for the
loops the files cannot show (a wrapper script, another name on PATH), by a
marker in the environment of every program awsenv starts while it resolves
(botocore's credential_process, mfa_process).

A wrapper may strip the marker (`env -u AWSENV_RESOLVING awsenv process dev`).
Two more guards hold then: the waiter whose own ancestor holds the lock it
waits for knows it is a loop (locking.py), and a depth counter in a variable
of its own stops a loop that also changes the cache each time, so no lock is
shared, after MAX_DEPTH nested runs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping

from awsenv.commandline import read
from awsenv.config.profiles import Profile, awsenv_words
from awsenv.errors import ConfigError

MARKER = "AWSENV_RESOLVING"
DEPTH = "AWSENV_DEPTH"
# awsenv inside awsenv's own credential_process or mfa_process runs, this many
# deep: far beyond any setup a person would make, so a loop.
MAX_DEPTH = 5
_SEP = "\x1f"


def check_running(environ: Mapping[str, str], profile: str) -> None:
    """Refuse to resolve a profile that an awsenv up the process tree is resolving."""
    if profile in environ.get(MARKER, "").split(_SEP):
        raise ConfigError(
            f"profile {profile!r} is already being resolved by the awsenv that started "
            "this one (a credential_process runs awsenv for it); refusing to loop"
        )
    depth = _depth(environ)
    if depth >= MAX_DEPTH:
        raise ConfigError(
            f"awsenv runs {depth} deep inside its own credential_process or mfa_process "
            f"runs ({DEPTH}={depth}), resolving {profile!r}: a loop that hides {MARKER}; "
            "refusing to go deeper"
        )


def _depth(environ: Mapping[str, str]) -> int:
    value = environ.get(DEPTH, "")
    return int(value) if value.isdigit() and len(value) < 6 else 0


@contextlib.contextmanager
def resolving(profile: str) -> Iterator[None]:
    """Mark the environment that this process's children inherit."""
    before = {name: os.environ.get(name) for name in (MARKER, DEPTH)}
    marker = before[MARKER]
    os.environ[MARKER] = profile if marker is None else f"{marker}{_SEP}{profile}"
    os.environ[DEPTH] = str(_depth(os.environ) + 1)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_files(visited: Iterable[Profile]) -> None:
    """Refuse a chain in which a profile's credential_process runs awsenv for a
    profile of the same chain."""
    profiles = list(visited)
    names = {p.name for p in profiles}
    for profile in profiles:
        target = awsenv_target(profile.get("credential_process") or "")
        if target is not None and target in names:
            raise ConfigError(
                f"profile {profile.name!r} has credential_process running awsenv for "
                f"{target!r}, which needs {profile.name!r} itself: a loop; give the "
                "credential_process a profile of its own"
            )


def awsenv_target(command: str) -> str | None:
    """The profile that `command` asks awsenv to resolve, if it runs awsenv
    for one at all (as the command-line table reads its words)."""
    words = awsenv_words(command)
    call = read(words, strict=False) if words is not None else None
    return call.profile if call is not None and call.command.resolves else None

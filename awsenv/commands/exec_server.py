"""`awsenv exec PROFILE --server [-- COMMAND]`: COMMAND runs as awsenv's child
and reads its credentials from the endpoint (core/endpoint.py) that awsenv
serves while it waits; both end together.

awsenv's own death ends the endpoint with it (the socket is this process's).
On Linux COMMAND is also told (SIGTERM, through PR_SET_PDEATHSIG), so a
killed awsenv leaves neither a listener nor a job whose credentials can no
longer renew. While COMMAND runs, the terminal's Ctrl-C and Ctrl-\\ are
COMMAND's to handle (awsenv ignores them, as a shell does while it waits);
SIGTERM and SIGHUP sent to awsenv are passed on.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from awsenv.aws.credentials import Credentials
from awsenv.core.obtain import Outcome
from awsenv.errors import CommandError, NoTerminalError, UsageError
from awsenv.stderr import Console


def serve(
    program: str,
    command: list[str],
    outcome: Outcome,
    args: argparse.Namespace,
    console: Console,
    marks: dict[str, str],
) -> int:
    """Run COMMAND beside the endpoint, with `marks` added to its environment;
    its exit status (128+N for a signal)."""
    from awsenv.core.endpoint import Endpoint, child_environment
    from awsenv.core.freshness import Margins, session_length
    from awsenv.core.obtain import refresh_margin

    profile = outcome.plan.name
    creds = outcome.credentials
    if creds is None or creds.session_token is None or creds.expiration is None:
        raise UsageError(
            f"--server serves temporary credentials, and {profile!r} has long-term keys; "
            f"run awsenv exec {profile} -- COMMAND"
        )
    # Served from memory while it outlasts the margin `awsenv process` keeps
    # (the SDKs' 15-minute window for a session over 30 minutes), then renewed
    # through the cache with the same rule.
    margins = Margins(refresh_margin(os.environ), sdk=True)
    endpoint = Endpoint(
        creds,
        _renewal(profile, args.duration, console),
        margin=margins.top(session_length(outcome.plan.top)),
        on_error=console.error,
    )
    console.redact.add(endpoint.token)
    env = child_environment(outcome.exports, os.environ, endpoint.url, endpoint.token)
    env.update(marks)
    try:
        try:
            # The person's own command, word for word: no shell in between.
            child = subprocess.Popen(command, executable=program, env=env, preexec_fn=_tie())
        except OSError as exc:
            raise CommandError(f"{command[0]}: cannot run it: {exc.strerror}") from None
        endpoint.start()
        with _signals_to(child):
            status = child.wait()
    finally:
        endpoint.close()
    return 128 - status if status < 0 else status


def _renewal(profile: str, duration: int | None, console: Console) -> Callable[[], Credentials]:
    """How the endpoint renews: the export's own path (cache, locks, a code from
    mfa_process), never a prompt: the terminal is COMMAND's now."""
    from awsenv.core.obtain import Request, obtain

    def no_prompt(serial: str, hint: str = "") -> str:
        raise NoTerminalError(
            f"an MFA code is needed for {serial}, and the endpoint does not ask while "
            f"COMMAND has the terminal; run `awsenv {profile}` in another terminal "
            "(its session then serves the endpoint too), or give the profile an mfa_process"
        )

    def renew() -> Credentials:
        outcome = obtain(
            Request(profile, duration, for_sdk=True),
            ask=no_prompt,
            on_secret=console.redact.add,
            on_wait=console.progress,
        )
        assert outcome.credentials is not None  # obtain returns what it resolved
        return outcome.credentials

    return renew


def _tie() -> Callable[[], None] | None:
    """For the child, on Linux: SIGTERM when awsenv dies, however it dies."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def tie() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # awsenv died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return tie


@contextmanager
def _signals_to(child: subprocess.Popen[bytes]) -> Iterator[None]:
    if sys.platform == "win32":
        yield
        return
    ignored = (signal.SIGINT, signal.SIGQUIT)
    passed = (signal.SIGTERM, signal.SIGHUP)
    before = {s: signal.getsignal(s) for s in (*ignored, *passed)}
    for number in ignored:
        signal.signal(number, signal.SIG_IGN)
    for number in passed:
        signal.signal(number, lambda received, _frame: child.send_signal(received))
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)

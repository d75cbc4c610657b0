"""The error hierarchy: each error is one line for the person and one exit code.

The CLI turns these into stderr output in exactly one place (cli.main), so no
other module prints or exits.
"""

from __future__ import annotations


class AwsenvError(Exception):
    """Base class: `str(err)` is the whole message, without secrets."""

    exit_code = 1


class UsageError(AwsenvError):
    """The command line is wrong: bad option, bad MFA code, unknown shell, no terminal."""

    exit_code = 2


class ConfigError(AwsenvError):
    """The AWS files or awsenv's settings cannot serve the request."""

    exit_code = 3


class UnknownProfile(ConfigError):
    """No profile of that name in either file; `name` is the one asked for,
    so that a caller may see a mistyped subcommand in it."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class AwsError(AwsenvError):
    """STS answered and refused (wrong MFA code, bad keys, access denied, expired),
    or answered with credentials that cannot be used here (a clock far off, an
    expiration already past)."""

    exit_code = 4

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code  # STS's error code, for callers that can recover


class MfaCodeRejected(AwsError):
    """STS refused the MFA code: wrong, or already used as it rolled over."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "AccessDenied")


class EndpointError(AwsenvError):
    """STS could not be reached at all."""

    exit_code = 5


class LockError(AwsenvError):
    """A lock could not be taken, so nothing was done: its file or directory is
    not one awsenv can trust (a symlink, another user's), or cannot be made."""

    exit_code = 6


class LockTimeoutError(LockError):
    """Another awsenv held a lock for longer than AWSENV_LOCK_TIMEOUT."""


class NoTerminalError(UsageError):
    """An MFA code is needed, none was given, and there is no terminal to ask on."""


class CommandError(AwsenvError):
    """`awsenv exec` could not start COMMAND: found but not runnable (126, as
    shells say), unless it was not found at all (127)."""

    exit_code = 126

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        if not_found:
            self.exit_code = 127


EXIT_INTERRUPTED = 130

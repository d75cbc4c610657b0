"""`awsenv process PROFILE --format dotenv`: `KEY=value` lines for docker's
`--env-file` and compose's `env_file`, each read literally.

Neither reads quotes the same way: docker takes everything after the first
`=` up to the end of the line as it stands (quotes included); compose (its
dotenv parser) trims white space, takes a leading quote as quoting, cuts an
unquoted value at `#` and substitutes `$VAR`. So no value is quoted, and a
value that one of them would change is refused, naming the variable (never
the value: it may be a secret).
"""

from __future__ import annotations

from awsenv.core.exports import Exports
from awsenv.errors import ConfigError

# What a container needs: the credentials, their expiry and the region. Not
# AWS_PROFILE (a profile of files the container does not have, which the JS
# SDK would prefer over the keys) nor awsenv's own variables.
LEFT_OUT = ("AWS_PROFILE",)


def dotenv(exports: Exports) -> str:
    lines = []
    for name, value in exports.set:
        if name in LEFT_OUT or name.startswith("AWSENV_"):
            continue
        problem = unfit(value)
        if problem:
            raise ConfigError(
                f"profile {exports.profile!r}: {name} {problem}, which docker's --env-file "
                "and compose's env_file would not read as it is; use --format json"
            )
        lines.append(f"{name}={value}\n")
    return "".join(lines)


def unfit(value: str) -> str | None:
    """Why docker or compose would not read `value` back as it is (None: both do)."""
    if "\n" in value or "\r" in value:
        return "holds a line break"
    if value != value.strip():
        return "begins or ends with white space"
    if value[:1] in ("'", '"', "`"):
        return "begins with a quote"
    if "#" in value:
        return "holds a #"
    if "$" in value:
        return "holds a $"
    return None

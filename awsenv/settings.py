"""awsenv's own settings from the environment: numbers with a range, each one
usage error when out of it (a huge margin once overflowed the time arithmetic)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from awsenv.errors import UsageError

Number = TypeVar("Number", int, float)


def bounded(
    environ: Mapping[str, str],
    name: str,
    default: Number,
    low: Number,
    high: Number,
    parse: Callable[[str], Number],
    kind: str,
) -> Number:
    """The setting `name` read with `parse`, or `default` when unset or empty;
    `kind` says what it must be ("a whole number of seconds")."""
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    # `not low <= value <= high` also refuses NaN.
    if value is None or not low <= value <= high:
        raise UsageError(f"{name} must be {kind} from {low:g} to {high:g}")
    return value

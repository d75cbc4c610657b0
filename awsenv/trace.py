"""The core's debug channel: off unless the CLI plugs in a sink (--debug).

Deliberately not `logging`: importing it costs more than a cached call should,
and botocore's own loggers would print request bodies, MFA codes included.
"""

from __future__ import annotations

from collections.abc import Callable

_sink: Callable[[str], None] | None = None


def set_sink(sink: Callable[[str], None] | None) -> None:
    global _sink
    _sink = sink


def debug(message: str) -> None:
    if _sink is not None:
        _sink(message)

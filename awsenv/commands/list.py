"""`awsenv list [--json] [--names]`: every profile, its kind, source, region,
cached credentials and whether the next call needs an MFA code."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from awsenv.commands.shared import parse, write
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("list", argv)
    from awsenv.core.obtain import load_files

    if args.names:
        write(names_text(os.environ))
        return 0
    from awsenv.core import inventory as listing

    files = load_files(os.environ)
    survey = listing.survey_for(os.environ)
    listed = listing.rows(files, survey)
    if args.json:
        write(listing.as_json(listed))
    else:
        write(listing.as_table(listed, aligned=bool(sys.stdout and sys.stdout.isatty())))
    for warning in survey.cache.warnings:  # after: a failure to write is the only line
        console.say(warning)
    if not listed and not args.json:  # for people: a program reads the empty list
        console.say("no profiles yet: run awsenv setup to write them")
    return 0


def names_text(environ: Mapping[str, str]) -> str:
    """The cheap header reader's answer; the full reader's only where that one
    cannot be sure, so that a broken file gets its proper error."""
    from awsenv import profile_names as names

    files = names.read_files(environ)
    text = None if files is None else names.names_text(files)
    if text is None:
        from awsenv.core.obtain import load_files

        text = "".join(f"{name}\n" for name in load_files(environ).names)
    return text

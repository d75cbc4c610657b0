"""`awsenv explain PROFILE [--check-sts]`: how PROFILE resolves, and what is
wrong around it, one finding a line with its fix. No STS call without
--check-sts, never a prompt, never a secret."""

from __future__ import annotations

import os
from collections.abc import Sequence

from awsenv.commands.shared import parse, write
from awsenv.stderr import Console


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("explain", argv)
    from awsenv.core.diagnosis import explain
    from awsenv.core.inventory import survey_for
    from awsenv.core.obtain import load_files

    files = load_files(os.environ)
    survey = survey_for(os.environ)
    skew = None
    if args.check_sts:
        from awsenv.aws import clock, sts
        from awsenv.core.plan import build_plan

        region = build_plan(files, args.profile).region
        measured = sts.clock_skew(region)
        if measured is None:
            skew = (f"STS at {sts.endpoint(region)} could not be reached", False)
        else:
            skew = (clock.describe(measured), abs(measured) > clock.TOLERANCE)
    result = explain(files, args.profile, survey, os.environ, skew=skew)
    findings = [*survey.cache.warnings, *result.findings]
    text = "".join(f"{line}\n" for line in result.lines)
    text += "".join(f"finding: {line}\n" for line in findings) or "no findings\n"
    write(text)
    return 0

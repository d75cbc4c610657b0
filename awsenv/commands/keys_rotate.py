"""`awsenv keys rotate PROFILE`: the adapter of core/key_rotation.py. IAM is
called with the MFA session over the keys (a session profile's, or the
profile's own `mfa_serial`), from the cache or with a code; with neither, with
the keys themselves."""

from __future__ import annotations

import argparse

from awsenv.aws.credentials import Credentials
from awsenv.config.profiles import AwsFiles, Kind
from awsenv.errors import AwsenvError
from awsenv.stderr import Console


def session_profile(files: AwsFiles, name: str) -> str | None:
    """The profile whose export is the MFA session over `name`'s keys."""
    for other in files.names:
        try:
            profile = files.profile(other)
            if profile.kind is Kind.MFA_SESSION and profile.session_source == name:
                return other
        except AwsenvError:
            continue
    return name if files.profile(name).get("mfa_serial") else None


def run(args: argparse.Namespace, console: Console) -> int:
    from awsenv.commands.shared import obtain_for
    from awsenv.core.key_rotation import rotate
    from awsenv.core.obtain import load_files
    from awsenv.store import keyring_keys

    files = load_files()
    keyring_keys.check_reachable()
    over = session_profile(files, args.profile)

    def caller() -> Credentials:
        if over is None:
            console.say(f"no MFA session over {args.profile}; IAM is called with the keys")
            return keyring_keys.load(args.profile)
        session = argparse.Namespace(
            mfa_code=args.mfa_code, duration=None, refresh=False, no_prompt=False
        )
        outcome = obtain_for(session, over, console, notices=False)
        assert outcome.credentials is not None
        return outcome.credentials

    done = rotate(args.profile, caller, files.profile(args.profile).get("region"))
    console.say(
        f"the keys of {args.profile} are rotated: {done.new} is in the OS keyring and "
        f"works; the old key {done.old} of IAM user {done.user} is deleted"
    )
    return 0

"""`awsenv keys rotate`: a new access key for the keys in the OS keyring.

The order keeps one working key whatever fails: create the new key (IAM, with
the MFA session), store it, check that it is the same IAM user (sts
get-caller-identity signed with it), and only then delete the old one. A
failure before the check puts the old key back and deletes the new one; a
failure to delete the old key leaves the new one in use and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from awsenv.aws import sts
from awsenv.aws.credentials import Credentials
from awsenv.errors import AwsenvError, AwsError
from awsenv.store import keyring_keys
from awsenv.trace import debug

# IAM is eventually consistent: a new key may take seconds to be accepted.
CHECK_FOR = 20.0
_NOT_YET = ("InvalidClientTokenId", "SignatureDoesNotMatch")


@dataclass(frozen=True)
class Rotated:
    old: str  # access key ids, never a secret
    new: str
    user: str


def user_of(arn: str) -> str | None:
    """The IAM user's name in `arn:aws:iam::ACCOUNT:user/PATH/NAME`."""
    return arn.rsplit("/", 1)[-1] if ":user/" in arn else None


def rotate(
    name: str,
    caller: Callable[[], Credentials],
    region: str | None,
    *,
    check_for: float = CHECK_FOR,
) -> Rotated:
    """Rotate the keys held under `name`; `caller` gives the credentials IAM is
    called with (the MFA session over these keys)."""
    old = keyring_keys.load(name)
    arn = sts.caller_arn(old, region, f"the keys of {name}")
    user = user_of(arn)
    if user is None:
        raise AwsError(f"the keys of {name} belong to {arn}, not an IAM user; nothing was changed")
    signer = caller()
    new = sts.create_access_key(signer, user, region)
    debug(f"created access key {new.access_key_id} for {user}")
    # From here on, any way out (Ctrl-C included) leaves one working key and
    # says which: never cli's "nothing was changed" over two keys in IAM.
    try:
        keyring_keys.store(name, new)
    except BaseException as exc:
        _undo(signer, user, new, region)
        raise AwsError(f"{_why(exc)}; the old key {old.access_key_id} stays in use") from None
    try:
        _check(new, arn, region, check_for)
    except BaseException as exc:
        why = _why(exc)
        try:
            keyring_keys.store(name, old)
        except BaseException as kept:
            raise AwsError(
                f"the new key {new.access_key_id} did not work ({why}), and the old key "
                f"{old.access_key_id} could not be put back in the keyring ({_why(kept)}); "
                f"IAM holds both: run awsenv keys rotate {name} again"
            ) from None
        _undo(signer, user, new, region)
        raise AwsError(
            f"the new key {new.access_key_id} did not work ({why}); the old key "
            f"{old.access_key_id} is back in the keyring and stays in use"
        ) from None
    try:
        sts.delete_access_key(signer, user, old.access_key_id, region)
    except AwsenvError as exc:
        raise AwsError(
            f"the new key {new.access_key_id} is stored and works, but the old key "
            f"{old.access_key_id} was not deleted ({exc}); delete it: aws iam delete-access-key "
            f"--user-name {user} --access-key-id {old.access_key_id}"
        ) from None
    return Rotated(old.access_key_id, new.access_key_id, user)


def _check(new: Credentials, arn: str, region: str | None, check_for: float) -> None:
    """The new key is accepted, and is the same user's."""
    deadline = time.monotonic() + check_for
    while True:
        try:
            found = sts.caller_arn(new, region, "the new key")
            break
        except AwsError as exc:
            if exc.code not in _NOT_YET or time.monotonic() >= deadline:
                raise
            time.sleep(2)
    if found != arn:
        raise AwsError(f"it signs in as {found}, not {arn}")


def _why(exc: BaseException) -> str:
    """A failure's words: awsenv's own line, else only the kind of failure
    (another library's text may hold anything)."""
    if isinstance(exc, AwsenvError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"internal error ({type(exc).__name__})"


def _undo(signer: Credentials, user: str, new: Credentials, region: str | None) -> None:
    try:
        sts.delete_access_key(signer, user, new.access_key_id, region)
    except AwsenvError as exc:
        raise AwsError(
            f"the new key {new.access_key_id} could not be used nor deleted ({exc}); the old "
            "key stays in use: delete the new one with aws iam delete-access-key"
        ) from None

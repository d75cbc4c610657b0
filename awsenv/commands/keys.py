"""`awsenv keys ACTION`: long-term keys in the OS keyring (core/keyring_moves.py,
store/keyring_keys.py). stdout carries only `list`'s names and `process`'s
JSON; questions and answers go to the terminal and stderr."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from awsenv.commands.shared import parse, write
from awsenv.errors import UsageError
from awsenv.stderr import Console

if TYPE_CHECKING:  # the wizard's questions: only `add` and `remove` ask
    from awsenv.commands.setup_wizard import Asker


def run(argv: Sequence[str], console: Console) -> int:
    args = parse("keys", argv)
    if getattr(args, "debug", False):
        console.enable_debug()
    handler = {"add": _add, "list": _list, "remove": _remove, "process": _process}.get(args.action)
    if handler is None:
        from awsenv.commands import keys_rotate

        return keys_rotate.run(args, console)
    return handler(args, console)


def _process(args: argparse.Namespace, console: Console) -> int:
    # An SDK runs this, with stderr piped or /dev/null (terraform never shows
    # it): every line also goes to the person's terminal, as for `process`.
    console.terminal_too = console.even_discarded = True
    from awsenv.store import keyring_keys

    keys = keyring_keys.load(args.profile)
    console.redact.add(keys.secret_access_key)
    document = {
        "Version": 1,
        "AccessKeyId": keys.access_key_id,
        "SecretAccessKey": keys.secret_access_key,
    }
    write(json.dumps(document) + "\n")
    return 0


def _list(_args: argparse.Namespace, _console: Console) -> int:
    from awsenv.store import keyring_keys

    write("".join(f"{name}\n" for name in keyring_keys.names()))
    return 0


def _add(args: argparse.Namespace, console: Console) -> int:
    from awsenv.aws.credentials import Credentials
    from awsenv.core import keyring_moves
    from awsenv.core.obtain import load_files
    from awsenv.store import keyring_keys

    files = load_files()
    found = keyring_moves.find(files, args.profile)
    command = keyring_moves.awsenv_command()
    keyring = keyring_keys.check_reachable()  # before anything is asked or written
    if found.keys is not None:
        where = f"[{found.profile}] of {files.credentials_path}"
        question = f"move the access key in {where} into the OS keyring ({keyring})?"
        _confirm(args, question, console)
        keys = found.keys
    else:
        asker = _asker(console, "the access key of profile " + repr(found.profile))
        key_id = asker.line(f"access key id for profile {found.profile}")
        secret = asker.secret("secret access key")
        if not key_id or not secret:
            raise UsageError("an access key id and its secret are both needed; nothing was written")
        keys = Credentials(key_id, secret)
    console.redact.add(keys.secret_access_key)
    keyring_moves.add(files, found, keys, command)
    console.say(
        f"the keys of {found.profile} are in the OS keyring ({keyring}); every SDK reads them "
        f"through credential_process in {files.config_path}"
    )
    return 0


def _remove(args: argparse.Namespace, console: Console) -> int:
    from awsenv.core import keyring_moves
    from awsenv.core.obtain import load_files
    from awsenv.store import keyring_keys

    files = load_files()
    keyring = keyring_keys.check_reachable()
    _confirm(args, f"delete the keys of {args.profile} from the OS keyring ({keyring})?", console)
    held = keyring_moves.remove(files, args.profile)
    if not held:
        console.say(f"the OS keyring held no keys for {args.profile}")
    else:
        console.say(
            f"the keys of {args.profile} are deleted from the OS keyring; the access key "
            "itself still exists in IAM (aws iam delete-access-key removes it there)"
        )
    return 0


def _asker(console: Console, what: str) -> Asker:
    from awsenv.commands.setup_wizard import Asker

    if not sys.stdin.isatty():
        raise UsageError(f"{what} is asked on a terminal, and there is none; nothing was written")
    return Asker(console)


def _confirm(args: argparse.Namespace, question: str, console: Console) -> None:
    if args.yes:
        return
    from awsenv.commands.setup_wizard import Asker

    if not sys.stdin.isatty():
        raise UsageError("no terminal to confirm on: add --yes; nothing was written")
    if not Asker(console).yes(question):
        raise UsageError("not confirmed; nothing was written")

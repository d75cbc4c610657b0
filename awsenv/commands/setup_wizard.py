"""setup's questions: the flags parsed into a typed SetupRequest, then each
answer the flags left open taken from an earlier setup, asked on a terminal,
or defaulted, giving the Layout to write."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from awsenv.config.profiles import AwsFiles, Kind, Profile
from awsenv.core import setup_edits as edits
from awsenv.core.setup_edits import Layout, Role, SsoLayout, sso_session_for
from awsenv.errors import AwsenvError, ConfigError, UsageError
from awsenv.stderr import Console


@dataclass(frozen=True)
class SetupRequest:
    """What the flags said; None (or empty) is asked on a terminal, or defaulted."""

    source: str | None
    mfa_serial: str | None
    session: str | None
    duration: int | None
    roles: tuple[Role, ...]
    process: bool
    rc: bool
    shell: str | None
    yes: bool
    dry_run: bool


def from_args(args: argparse.Namespace) -> SetupRequest:
    """The request the flags make; roles are checked here, before anything
    is asked or looked up."""
    return SetupRequest(
        source=args.source,
        mfa_serial=args.mfa_serial,
        session=args.session,
        duration=args.duration,
        roles=tuple(_role(text, args.region) for text in args.role),
        process=args.process,
        rc=args.rc,
        shell=args.shell,
        yes=args.yes,
        dry_run=args.dry_run,
    )


def sso_layout(args: argparse.Namespace, ask: Asker | None) -> SsoLayout:
    """The IAM Identity Center profile the flags describe; what they leave open
    is asked on a terminal, else named as missing."""

    def value(flag: str, given: str | None, question: str) -> str:
        if given:
            return str(given)
        if ask is None:
            raise UsageError(f"{flag} is needed to write an IAM Identity Center profile")
        return ask.line(question)

    start_url = value("--sso-start-url", args.sso_start_url, "IAM Identity Center start URL")
    sso_region = value("--sso-region", args.sso_region, "IAM Identity Center region")
    account = value("--sso-account", args.sso_account, "account id")
    # NAME=ROLE names the profile; a bare ROLE gets `aws configure sso`'s ROLE-ACCOUNT.
    named, equals, role = value("--sso-role", args.sso_role, "permission set").partition("=")
    if not equals:
        named, role = "", named
    return SsoLayout(
        session=sso_session_for(start_url),
        start_url=start_url,
        sso_region=sso_region,
        account_id=account,
        role_name=role,
        profile=named or f"{role}-{account}",
        region=args.region,
    )


def layout_for(
    request: SetupRequest,
    files: AwsFiles,
    ask: Asker | None,
    program: tuple[str, ...] = ("awsenv",),
) -> Layout:
    from awsenv.core.plan import SESSION_DEFAULT

    existing = _existing_session(files, request.session)
    if ask:
        ask.console.say(
            f"setup writes an MFA session profile and role profiles into {files.config_path} "
            "(new keys into the credentials file); it shows the diff and asks before writing, "
            "and Ctrl-C at any question changes nothing"
        )
    if existing is not None and ask:
        ask.console.say(f"updating session profile {existing.name}")
    source, new_keys = _source(request, files, ask, existing)
    serial = request.mfa_serial or (existing.get("mfa_serial") if existing else None)
    if not serial:
        serial = _device(files, source, new_keys, ask)
    session = (
        request.session
        or (existing.name if existing else None)
        or (ask.line("session profile name", "mfa", edits.check_session_name) if ask else "mfa")
    )
    roles = request.roles or (_more_roles(ask) if ask else ())
    duration = request.duration or _duration_of(existing) or SESSION_DEFAULT
    process = request.process or bool(
        ask and roles and ask.yes("also add NAME-process profiles for tools without a shell?")
    )
    regions = {
        role.name: region
        for role in roles
        if (region := _region_in_files(files, (role.name, session, source)))
    }
    return Layout(source, serial, session, duration, roles, process, new_keys, program, regions)


def _region_in_files(files: AwsFiles, chain: tuple[str, ...]) -> str | None:
    """The first region the files give along a role's chain (as the plan reads
    it: the role's own section, then its source's)."""
    for name in chain:
        try:
            region = files.profile(name).get("region")
        except AwsenvError:
            continue  # a section setup is about to write
        if region:
            return region
    return None


def _more_roles(ask: Asker) -> tuple[Role, ...]:
    """Each role checked as it is typed, and asked again on a mistake: a typo
    costs that one answer, not the keys and the device typed before it."""
    roles = []
    while text := ask.line("role profile as NAME=ARN (empty: done)", "", _check_role):
        role = _role(text, None)
        region = ask.line("its region (empty: none)", "", _region_check(role.name))
        roles.append(Role(role.name, role.arn, region or None))
    return tuple(roles)


def _region_check(name: str) -> Check:
    def check(region: str) -> None:
        if region:
            edits.check_region(name, region)

    return check


def _check_role(text: str) -> None:
    if text:
        role = _role(text, None)
        edits.check_name(role.name)
        edits.check_role_arn(role.name, role.arn)


def _existing_session(files: AwsFiles, named: str | None) -> Profile | None:
    """The session profile this setup updates: the one named, else `mfa`, else
    the only one in the files. Its keys, device and duration are the defaults,
    so running setup again (to add a role, or to move an earlier setup's
    session profile into the form every SDK reads) asks nothing it knows."""
    sessions = [n for n in files.names if _kind(files, n) is Kind.MFA_SESSION]
    if named is None:
        named = "mfa" if "mfa" in sessions or len(sessions) != 1 else sessions[0]
    return files.profile(named) if named in sessions else None


def _duration_of(profile: Profile | None) -> int | None:
    raw = profile.get("duration_seconds") if profile else None
    return int(raw) if raw and raw.isdigit() else None


def _source(
    request: SetupRequest, files: AwsFiles, ask: Asker | None, existing: Profile | None
) -> tuple[str, tuple[str, str] | None]:
    """The long-term key profile, and new keys when the person typed them."""
    # Keys in the OS keyring (`awsenv keys add`) are long-term keys too.
    long_term = [n for n in files.names if _kind(files, n) in (Kind.LONG_TERM, Kind.KEYRING)]
    source = request.source or (existing.session_source if existing else None)
    new_keys = None
    if source is None and ask:
        source = ask.choose("long-term key profile", [*long_term, "(new keys)"])
        if source == "(new keys)":
            source = ask.line("name for the new key profile", "default", edits.check_name)
            key_id = ask.line("access key ID", None, edits.check_access_key_id)
            new_keys = (key_id, ask.secret("secret access key"))
    source = source or ("default" if "default" in long_term else None)
    if source is None:
        raise UsageError("no long-term key profile: pass --source PROFILE")
    if new_keys is None and source not in long_term:
        raise ConfigError(f"profile {source!r} holds no long-term keys; pass --source PROFILE")
    return source, new_keys


def _device(
    files: AwsFiles, source: str, new_keys: tuple[str, str] | None, ask: Asker | None
) -> str:
    """The MFA device: looked up with IAM, then chosen or typed."""
    try:
        found = _find_devices(files, source, new_keys)
    except AwsenvError as exc:
        if not ask:
            raise
        ask.console.say(f"could not list the MFA devices: {exc}")
        found = []
    if ask:
        if found:
            return ask.choose("MFA device", found)
        return ask.line("MFA device ARN", None, edits.check_typed_device)
    if len(found) == 1:
        return found[0]
    raise UsageError(f"{len(found)} MFA devices found for {source!r}; pass --mfa-serial ARN")


def _kind(files: AwsFiles, name: str) -> Kind | None:
    try:
        return files.profile(name).kind
    except AwsenvError:
        return None


def _role(text: str, region: str | None) -> Role:
    name, _, arn = text.partition("=")
    if not name.strip() or not arn.strip().startswith("arn:"):
        raise UsageError(
            "a role is NAME=ARN: the profile's name, then its arn:aws:iam::ACCOUNT:role/NAME "
            "(dev=arn:aws:iam::123456789012:role/dev, say)"
        )
    return Role(name.strip(), arn.strip(), region)


def _find_devices(files: AwsFiles, source: str, new_keys: tuple[str, str] | None) -> list[str]:
    from awsenv.aws import sts
    from awsenv.aws.credentials import Credentials

    if new_keys:
        creds = Credentials(*new_keys)
    else:
        from awsenv.core.plan import LongTermKeys
        from awsenv.core.resolver import long_term_keys

        creds = long_term_keys(LongTermKeys(files.profile(source)))
    return sts.mfa_devices(creds, files.profile(source).get("region") if not new_keys else None)


# Checks an answer as it is given: raises UsageError with what is wrong.
Check = Callable[[str], None]


class Asker:
    """Questions on the terminal: prompts on stderr, answers from stdin."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def line(self, question: str, default: str | None = None, check: Check | None = None) -> str:
        """The answer, or the default for an empty one; with `check`, a wrong
        answer is said in one line and the question asked again."""
        shown = f" [{default}]" if default else ""
        while True:
            sys.stderr.write(f"{question}{shown}: ")
            sys.stderr.flush()
            answer = sys.stdin.readline()
            if not answer:
                raise UsageError("setup was cut short: no answer; nothing was written")
            answer = answer.strip() or (default or "")
            try:
                if check is not None:
                    check(answer)
            except UsageError as exc:
                self.console.say(f"{exc}; try again")
                continue
            return answer

    def secret(self, question: str) -> str:
        import getpass

        while True:
            try:
                value = getpass.getpass(f"{question} (not shown): ", stream=sys.stderr).strip()
            except EOFError:  # Ctrl-D: as an empty answer to a question of line()
                raise UsageError("setup was cut short: no answer; nothing was written") from None
            self.console.redact.add(value)
            if value and not any(c.isspace() for c in value):
                return value
            # Never echoed, not even in part: only what is wrong with it.
            self.console.say("a secret access key is one word, not empty; try again")

    def yes(self, question: str) -> bool:
        return self.line(f"{question} [y/N]").lower() in ("y", "yes")

    def choose(self, question: str, options: list[str]) -> str:
        for number, option in enumerate(options, 1):
            sys.stderr.write(f"  {number}) {option}\n")

        def check(answer: str) -> None:
            _pick(options, answer)

        return _pick(options, self.line(f"{question} (number)", "1", check))


def _pick(options: list[str], answer: str) -> str:
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    raise UsageError(f"no such choice: {answer!r}; a number from 1 to {len(options)}")

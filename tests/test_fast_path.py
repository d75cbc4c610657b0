"""A repeat export is served from its memo before anything heavy is imported,
and only while everything it depends on is unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ACCOUNT, AWSENV, CODE, SEED_CONFIG, SEED_CREDENTIALS, AwsEnv

HEAVY = (
    "boto3",
    "botocore",
    "jinja2",
    "argparse",
    "configparser",
    "pathlib",
    "dataclasses",
    "filelock",
)

PROBE = """\
import json, sys
sys.argv = ["awsenv", *ARGS]
from awsenv.__main__ import main
code = main()
with open(OUT, "w") as f:
    loaded = sorted(m for m in HEAVY if m in sys.modules)
    json.dump({"code": code, "loaded": loaded, "file": sys.modules["awsenv"].__file__}, f)
"""


def probe(
    aws: AwsEnv, out: Path, *args: str, where: bool = False, heavy: tuple[str, ...] = HEAVY
) -> dict:
    """Run the real entry point in a fresh interpreter; report which of
    `heavy` it imported."""
    script = (
        PROBE.replace("ARGS", repr(list(args)))
        .replace("OUT", repr(str(out)))
        .replace("HEAVY", repr(heavy))
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=aws.environ,
        cwd=aws.root,  # not the checkout: `-c` puts the working directory first on sys.path
        capture_output=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = dict(json.loads(out.read_text()))
    if not where:
        report.pop("file")
    return report


def memo_file(aws: AwsEnv) -> Path:
    (memo,) = (aws.cache / "exports").iterdir()
    return memo


def doctor(aws: AwsEnv) -> None:
    """Replace the memo's text, keeping its renewal time and fingerprint."""
    memo = memo_file(aws)
    head, when, stamp, _text = memo.read_text().split("\n", 3)
    memo.write_text(f"{head}\n{when}\n{stamp}\nexport MARKER=1\n")


def test_repeat_export_imports_nothing_heavy(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    aws.sts.reset()
    assert probe(aws, tmp_path / "p.json", "dev", "--shell", "bash") == {"code": 0, "loaded": []}
    assert aws.sts.calls == {}


def test_first_export_does_import_them(aws: AwsEnv, tmp_path) -> None:
    """The probe can fail: without a memo the full path runs."""
    aws.seed()
    assert aws.run("prod", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    loaded = probe(aws, tmp_path / "p.json", "dev", "--shell", "bash")["loaded"]
    assert {"argparse", "botocore"} <= set(loaded)
    assert "jinja2" not in loaded  # the compiled templates (template_runtime.py)


def test_cache_hit_on_the_full_path_needs_no_botocore(aws: AwsEnv, tmp_path) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    memo_file(aws).unlink()
    loaded = probe(aws, tmp_path / "p.json", "dev", "--shell", "bash")["loaded"]
    assert "botocore" not in loaded and "boto3" not in loaded
    assert "filelock" not in loaded  # locks are taken only to refresh
    assert "argparse" in loaded  # it was the full path


def test_memo_repeats_exactly_what_the_full_path_printed(aws: AwsEnv) -> None:
    aws.seed()
    first = aws.run("dev", "--shell", "zsh", "--mfa-code", CODE)
    memo = memo_file(aws)
    assert memo.read_text().endswith(first.stdout)
    again = aws.run("dev", "--shell", "zsh")
    assert again.stdout == first.stdout
    assert (memo.stat().st_mode & 0o777) == 0o600


def test_memo_is_what_gets_printed_while_its_fingerprint_holds(aws: AwsEnv) -> None:
    """Proof that the fast path serves it: a doctored memo text is printed..."""
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    assert aws.run("dev", "--shell", "bash").stdout == "export MARKER=1\n"
    # ...and without --shell, when the caller is a shell it recognises (as under
    # eval "$(...)", where the command substitution's shell is the parent).
    proc = aws.command(["bash", "-c", f'printf "%s\\n" "$("{AWSENV}" dev)"'])
    assert proc.stdout == "export MARKER=1\n"


def test_config_edit_bypasses_the_memo(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    aws.config.write_text(SEED_CONFIG.replace("eu-central-1", "ap-east-1"))
    result = aws.run("dev", "--shell", "bash")
    assert "MARKER" not in result.stdout
    assert "export AWS_REGION='ap-east-1'" in result.stdout


def test_credentials_file_edit_bypasses_the_memo_and_restores_mfa(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    written = aws.credentials.read_text()
    doctor(aws)
    aws.credentials.write_text(SEED_CREDENTIALS)  # someone restored an old copy
    result = aws.run("dev", "--shell", "bash")
    assert "MARKER" not in result.stdout
    assert aws.credentials.read_text() == written


def test_renewal_time_bypasses_the_memo(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    margin = {"AWSENV_REFRESH_MARGIN": "3590"}  # a different setting is a different memo...
    assert "MARKER" not in aws.run("dev", "--shell", "bash", env=margin).stdout
    memo = memo_file(aws)
    head, _when, stamp, _text = memo.read_text().split("\n", 3)
    memo.write_text(f"{head}\n1\n{stamp}\nexport MARKER=1\n")  # ...and a past renewal time
    assert "MARKER" not in aws.run("dev", "--shell", "bash", env=margin).stdout


def test_options_always_take_the_full_path(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    for extra in (["--refresh"], ["--mfa-code", CODE], ["--debug"], ["--shell", "fish"]):
        assert "MARKER" not in aws.run("dev", "--shell", "bash", *extra).stdout


def test_long_term_keys_are_never_memoised(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("other", "--shell", "bash").returncode == 0
    exports = aws.cache / "exports"
    assert not exports.exists() or not any(exports.iterdir())


def test_memo_others_can_write_is_not_trusted(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    memo_file(aws).chmod(0o666)
    assert "MARKER" not in aws.run("dev", "--shell", "bash").stdout
    memo_file(aws).chmod(0o600)
    (aws.cache / "exports").chmod(0o777)
    assert "MARKER" not in aws.run("dev", "--shell", "bash").stdout


def test_no_memo_when_the_files_change_during_the_run(aws: AwsEnv) -> None:
    import pexpect
    from test_prompt import PROMPT, spawn

    aws.seed()
    child = spawn(aws, "bash", "--norc", "--noprofile")
    child.sendline(f'out="$({AWSENV} dev --shell bash)"; echo "rc=$?"')
    child.expect(PROMPT)
    # While awsenv waits for the code, someone edits the config.
    aws.config.write_text(SEED_CONFIG.replace("eu-central-1", "ap-east-1"))
    child.sendline(CODE)
    child.expect(r"rc=0")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    exports = aws.cache / "exports"
    assert not exports.exists() or not any(exports.iterdir())
    # The next call reads the new config.
    assert "export AWS_REGION='ap-east-1'" in aws.run("dev", "--shell", "bash").stdout


def test_both_paths_detect_the_same_shell(aws: AwsEnv) -> None:
    """A login shell whose $SHELL names another shell: the parent process wins,
    on the full path as on the fast path."""
    aws.seed()
    # Warm the cache with another shell, so that no bash memo exists yet.
    assert aws.run("dev", "--shell", "zsh", "--mfa-code", CODE).returncode == 0
    command = f'exec -a -bash bash -c \'printf "%s\\n" "$("{AWSENV}" dev)"\''
    full = aws.command(["bash", "-c", command], env={"SHELL": "/usr/bin/fish"})
    assert full.stdout.startswith("export "), full.stderr  # bash code, not fish
    assert len(list((aws.cache / "exports").iterdir())) == 2  # it left a bash memo
    fast = aws.command(["bash", "-c", command], env={"SHELL": "/usr/bin/fish"})
    assert fast.stdout == full.stdout


def test_closed_stdout_is_a_clean_error(aws: AwsEnv) -> None:
    aws.seed()
    proc = aws.command(["bash", "-c", f'"{AWSENV}" dev --shell bash --mfa-code {CODE} >&-'])
    assert proc.returncode == 1
    assert proc.stderr == "awsenv: stdout is closed: there is nowhere to write the shell code\n"


def export_during_an_edit(aws: AwsEnv, edit: Callable[[], None]) -> None:
    """Export dev at the MFA prompt of a real terminal, with `edit` made while
    awsenv waits for the code."""
    import pexpect
    from test_prompt import PROMPT, spawn

    child = spawn(aws, "bash", "--norc", "--noprofile")
    child.sendline(f'out="$({AWSENV} dev --shell bash)"; echo "rc=$?"')
    child.expect(PROMPT)
    edit()
    child.sendline(CODE)
    child.expect(r"rc=0")
    child.sendline("exit")
    child.expect(pexpect.EOF)


DEV_IN_CREDENTIALS = f"""
[dev]
role_arn = arn:aws:iam::{ACCOUNT}:role/dev
region = eu-central-1
"""


@pytest.mark.parametrize(
    ("old", "new", "printed"),
    [
        ("role/dev", "role/dev2", None),
        ("eu-central-1", "ap-east-1", "export AWS_REGION='ap-east-1'"),
    ],
    ids=["role_arn", "region"],
)
def test_credentials_file_edit_during_the_prompt_leaves_no_memo(
    aws: AwsEnv, old: str, new: str, printed: str | None
) -> None:
    aws.write(SEED_CONFIG, SEED_CREDENTIALS + DEV_IN_CREDENTIALS)

    def edit() -> None:  # [dev] in the credentials file, as a user would
        aws.credentials.write_text(aws.credentials.read_text().replace(old, new))

    export_during_an_edit(aws, edit)
    assert new in aws.credentials.read_text()  # the edit survived the run's own write
    exports = aws.cache / "exports"
    assert not exports.exists() or not any(exports.iterdir())
    aws.sts.reset()
    fresh = aws.run("dev", "--shell", "bash")
    assert fresh.returncode == 0, fresh.stderr
    if printed is None:  # a new role: assumed now, with the cached MFA session
        assert [r["role_arn"] for r in aws.sts.requests_log] == [f"arn:aws:iam::{ACCOUNT}:{new}"]
    else:
        assert printed in fresh.stdout
    # That call left a memo of the new text, which the fast path now serves.
    doctor(aws)
    assert aws.run("dev", "--shell", "bash").stdout == "export MARKER=1\n"


def test_a_memo_is_left_when_only_awsenv_wrote_during_the_prompt(aws: AwsEnv) -> None:
    """The control for the test above: the run's own [mfa] write is no reason
    to withhold the memo."""
    aws.write(SEED_CONFIG, SEED_CREDENTIALS + DEV_IN_CREDENTIALS)
    export_during_an_edit(aws, lambda: None)
    assert "[mfa]" in aws.credentials.read_text()
    doctor(aws)
    assert aws.run("dev", "--shell", "bash").stdout == "export MARKER=1\n"


def test_login_name_change_bypasses_the_memo(aws: AwsEnv) -> None:
    aws.seed()
    alice = {"LOGNAME": "alice"}
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE, env=alice).returncode == 0
    doctor(aws)
    assert aws.run("dev", "--shell", "bash", env=alice).stdout == "export MARKER=1\n"
    aws.sts.reset()
    result = aws.run("dev", "--shell", "bash", env={"LOGNAME": "bob"})
    assert "MARKER" not in result.stdout
    assert [r["role_session_name"] for r in aws.sts.requests_log] == ["awsenv-bob"]


def test_login_sources_are_the_ones_getpass_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    from awsenv.fastpath import LOGIN_SOURCES

    for name in LOGIN_SOURCES:
        monkeypatch.delenv(name, raising=False)
    for name in reversed(LOGIN_SOURCES):  # each one, and each wins over those after it
        monkeypatch.setenv(name, f"user-from-{name}")
        assert getpass.getuser() == f"user-from-{name}"


def test_memo_fingerprint_names_its_parts(aws: AwsEnv) -> None:
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    _head, _when, stamp, _text = memo_file(aws).read_text().split("\n", 3)
    fields = dict(field.split("=", 1) for field in stamp.split("\t"))
    assert list(fields) == [
        "awsenv",
        "shell",
        "template",
        "margin",
        "login",
        "profiles",
        "config",
        "credentials",
        "cache",
    ]
    assert fields["shell"] == "bash"
    assert bytes.fromhex(fields["profiles"]).decode().split("\0") == ["default", "dev", "mfa"]
    assert fields["config"].startswith(f"{aws.config}|{len(SEED_CONFIG)}:")


@pytest.mark.parametrize("args", [("init", "bash"), ("unset", "--shell", "zsh")])
def test_init_and_unset_repeat_from_their_memo_without_heavy_imports(
    aws: AwsEnv, tmp_path, args: tuple[str, ...]
) -> None:
    first = aws.run(*args)
    assert first.returncode == 0, first.stderr
    assert probe(aws, tmp_path / "p.json", *args) == {"code": 0, "loaded": []}
    assert aws.run(*args).stdout == first.stdout


@pytest.mark.parametrize("field", ["awsenv", "template", "shell"])
def test_a_memo_of_init_is_refused_once_the_program_differs(aws: AwsEnv, field: str) -> None:
    assert aws.run("init", "bash").returncode == 0
    doctor(aws)
    assert aws.run("init", "bash").stdout == "export MARKER=1\n"
    memo = memo_file(aws)
    head, when, stamp, text = memo.read_text().split("\n", 3)
    fields = dict(part.split("=", 1) for part in stamp.split("\t"))
    fields[field] += "0"
    stamp = "\t".join(f"{name}={value}" for name, value in fields.items())
    memo.write_text(f"{head}\n{when}\n{stamp}\n{text}")
    assert "MARKER" not in aws.run("init", "bash").stdout


def test_a_memo_of_init_ignores_the_login_name(aws: AwsEnv) -> None:
    """zsh and fish set USER or USERNAME themselves: `init` does not depend on it."""
    assert aws.run("init", "fish", env={"USER": "alice"}).returncode == 0
    doctor(aws)
    assert aws.run("init", "fish", env={"USER": "bob"}).stdout == "export MARKER=1\n"


def test_a_killed_writers_temp_files_are_removed_by_a_call_served_from_its_memo(
    aws: AwsEnv, tmp_path: Path
) -> None:
    """They hold secrets; a repeat call writes nothing beside them, so the
    fast path looks for them too (and imports nothing when there are none)."""
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    assert probe(aws, tmp_path / "p.json", "dev", "--shell", "bash")["loaded"] == []
    doctor(aws)
    gone = subprocess.Popen(["true"])
    gone.wait()
    leftovers = [
        aws.credentials.parent / f".credentials.awsenv-{gone.pid}-0123456789ab.tmp",
        aws.cache / "creds" / f".x.json.awsenv-{gone.pid}-0123456789ab.tmp",
        aws.cache / "exports" / f".memo.awsenv-{gone.pid}-0123456789ab.tmp",
    ]
    for path in leftovers:
        path.write_text("aws_secret_access_key = leftover")
    kept = aws.credentials.parent / ".credentials.someone-else.tmp"  # not awsenv's name
    kept.write_text("")

    result = aws.run("dev", "--shell", "bash")

    assert result.stdout == "export MARKER=1\n"  # the memo served it
    assert [p for p in leftovers if p.exists()] == []
    assert kept.exists()


@pytest.mark.parametrize("edited", ["commands/list.py", "core/plan.py", "render/templates.py"])
def test_an_edit_anywhere_in_the_package_voids_the_memo(
    aws: AwsEnv, tmp_path: Path, edited: str
) -> None:
    """The memo's fingerprint covers every file of the package, subpackages
    included. A copy is edited, never the checkout other tests run from."""
    import os
    import shutil
    import time

    checkout = Path(__file__).resolve().parent.parent
    copy = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(checkout / "awsenv", copy / "awsenv", ignore=ignore)
    shutil.copytree(checkout / "shells", copy / "shells", ignore=ignore)
    aws.environ["PYTHONPATH"] = str(copy)
    aws.seed()
    first = probe(aws, tmp_path / "first.json", "dev", "--shell", "bash", "--mfa-code", CODE)
    assert first["code"] == 0
    # A first run may make the copy's __pycache__ folders while it runs, which
    # changes their parents' mtime: it leaves no memo then. The next one does.
    probe(aws, tmp_path / "warm.json", "dev", "--shell", "bash")
    served = probe(aws, tmp_path / "served.json", "dev", "--shell", "bash", where=True)
    assert served == {"code": 0, "loaded": [], "file": str(copy / "awsenv" / "__init__.py")}
    later = time.time_ns() + 2_000_000_000  # newer than every file and folder of the copy
    os.utime(copy / "awsenv" / edited, ns=(later, later))
    again = probe(aws, tmp_path / "again.json", "dev", "--shell", "bash")
    assert again["code"] == 0
    assert "argparse" in again["loaded"]  # the full path answered
    assert probe(aws, tmp_path / "third.json", "dev", "--shell", "bash")["loaded"] == []


def test_compiled_bytecode_does_not_change_the_code_fingerprint(tmp_path: Path) -> None:
    """__pycache__ is derived from the sources and made by the first run that
    imports a module (which changes its folder's mtime): neither counts. A
    source file at any depth does, and so does one deleted."""
    import os

    from awsenv.fastpath import _newest

    package = str(tmp_path / "pkg")
    source = tmp_path / "pkg" / "sub" / "mod.py"
    source.parent.mkdir(parents=True)
    source.write_text("")
    (tmp_path / "pkg" / "other.py").write_text("")
    before = _newest(package)
    compiled = tmp_path / "pkg" / "sub" / "__pycache__" / "mod.cpython-311.pyc"
    compiled.parent.mkdir()
    compiled.write_text("")
    later = os.stat(source).st_mtime_ns + 10**9
    os.utime(compiled, ns=(later, later))
    assert _newest(package) == before
    os.utime(source, ns=(later, later))
    touched = _newest(package)
    assert touched != before and touched.startswith(f"{later}:")
    (tmp_path / "pkg" / "other.py").unlink()
    assert _newest(package) not in (before, touched)


def test_a_shell_option_naming_another_memo_kind_is_not_served_that_memo(aws: AwsEnv) -> None:
    """`dev --shell process` is an unsupported shell, not `process dev`:
    the credential_process JSON (keys and all) is never its answer."""
    aws.seed()
    assert aws.run("process", "dev", "--mfa-code", CODE).returncode == 0
    for option in ("--shell=process", "--shell=names"):
        result = aws.run("dev", option)
        assert (result.returncode, result.stdout) == (2, ""), option
        assert "unsupported shell" in result.stderr

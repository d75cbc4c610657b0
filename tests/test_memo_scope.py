"""A memo depends on its own chain's sections and cache entries: another
profile's refresh or an edit elsewhere leaves it served, while any change to
what its text was built from still sends the call down the full path."""

from __future__ import annotations

import shutil

import pytest
from conftest import CODE, AwsEnv
from test_fast_path import doctor, memo_file

MARKER = "export MARKER=1\n"


def dev_memo_doctored(aws: AwsEnv) -> None:
    """dev exported, then its memo doctored: a MARKER printed later proves
    that the fast path served dev's memo."""
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    assert aws.run("dev", "--shell", "bash").stdout == MARKER


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


# (file, text to replace or None to append, its replacement)
Edit = tuple[str, "str | None", str]

UNRELATED: dict[str, Edit] = {
    "new config profile": ("config", None, "\n[profile qa]\nregion = us-east-1\n"),
    "other config profile edited": ("config", "role/prod\n", "role/prod\nregion = sa-east-1\n"),
    "other credentials section edited": ("credentials", "[other]\n", "[other]\n# rotated\n"),
    "credentials section added": ("credentials", None, "\n[qa]\naws_access_key_id=X\n"),
}

OWN: dict[str, Edit] = {
    "own section": ("config", "region = eu-central-1", "region = ap-east-1"),
    "source section": ("config", "[profile mfa]\n", "[profile mfa]\nduration_seconds = 3600\n"),
    "source keys": ("credentials", "[default]\n", "[default]\n# rotated\n"),
    "section of the same name": ("config", None, "\n[profile dev]\nregion = us-east-2\n"),
    "quoted header of the same name": ("config", None, "\n[profile 'dev']\nregion = us-east-2\n"),
    "credentials section of the same name": ("credentials", None, "\n[dev]\nregion = x\n"),
    "unreadable line elsewhere": ("config", "role/prod\n", "role/prod\nnot a key value line\n"),
    "indented header elsewhere": ("config", "[profile prod]", "  [profile prod]"),
}


def apply(aws: AwsEnv, change: Edit) -> None:
    name, old, new = change
    path = aws.config if name == "config" else aws.credentials
    if old is None:
        path.write_text(path.read_text() + new)
    else:
        edit(path, old, new)


def test_memo_is_served_after_another_profiles_refresh(aws: AwsEnv) -> None:
    dev_memo_doctored(aws)
    assert aws.run("prod", "--shell", "bash", "--refresh").returncode == 0
    aws.sts.reset()
    assert aws.run("dev", "--shell", "bash").stdout == MARKER
    assert aws.sts.calls == {}


@pytest.mark.parametrize("change", list(UNRELATED))
def test_memo_is_served_after_an_edit_of_an_unrelated_section(aws: AwsEnv, change: str) -> None:
    dev_memo_doctored(aws)
    apply(aws, UNRELATED[change])
    assert aws.run("dev", "--shell", "bash").stdout == MARKER


@pytest.mark.parametrize("change", [*OWN, "cache entries removed"])
def test_memo_is_refused_after_a_change_to_what_it_was_built_from(aws: AwsEnv, change: str) -> None:
    dev_memo_doctored(aws)
    if change in OWN:
        apply(aws, OWN[change])
    else:
        shutil.rmtree(aws.cache / "creds")
    result = aws.run("dev", "--shell", "bash")
    assert "MARKER" not in result.stdout
    if change == "unreadable line elsewhere":  # the full path's verdict stands
        assert result.returncode == 3 and "cannot parse" in result.stderr


def test_a_refresh_of_its_own_chain_replaces_the_memo(aws: AwsEnv) -> None:
    dev_memo_doctored(aws)
    assert aws.run("dev", "--shell", "bash", "--refresh").returncode == 0
    assert "MARKER" not in memo_file(aws).read_text()


def test_unrelated_edits_keep_the_memo_only_while_the_file_reads(aws: AwsEnv) -> None:
    """Byte for byte what was read, for the sections it depends on: a later
    edit there voids the memo even after edits elsewhere kept it."""
    dev_memo_doctored(aws)
    aws.config.write_text(aws.config.read_text() + "\n[profile qa]\nregion = us-east-1\n")
    assert aws.run("dev", "--shell", "bash").stdout == MARKER
    edit(aws.config, "source_profile = mfa\nregion", "source_profile = mfa\nregion ")
    assert "MARKER" not in aws.run("dev", "--shell", "bash").stdout

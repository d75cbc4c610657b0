"""A memo depends on its own chain's sections and cache entries: another
profile's refresh or an edit elsewhere leaves it served, while any change to
what its text was built from still sends the call down the full path."""

from __future__ import annotations

import shutil

import pytest
from conftest import CODE, SEED_CONFIG, AwsEnv
from test_fast_path import doctor, memo_file

MARKER = "export MARKER=1\n"


def dev_memo_doctored(aws: AwsEnv) -> None:
    """dev and prod exported, then dev's memo doctored: a MARKER printed later
    proves the fast path served dev's memo."""
    aws.seed()
    assert aws.run("dev", "--shell", "bash", "--mfa-code", CODE).returncode == 0
    doctor(aws)
    assert aws.run("dev", "--shell", "bash").stdout == MARKER


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_memo_is_served_after_another_profiles_refresh(aws: AwsEnv) -> None:
    dev_memo_doctored(aws)
    assert aws.run("prod", "--shell", "bash", "--refresh").returncode == 0
    aws.sts.reset()
    assert aws.run("dev", "--shell", "bash").stdout == MARKER
    assert aws.sts.calls == {}


@pytest.mark.parametrize(
    "change",
    [
        "new config profile",
        "other config profile edited",
        "other credentials section edited",
        "credentials section added",
    ],
)
def test_memo_is_served_after_an_edit_of_an_unrelated_section(aws: AwsEnv, change: str) -> None:
    dev_memo_doctored(aws)
    if change == "new config profile":
        aws.config.write_text(aws.config.read_text() + "\n[profile qa]\nregion = us-east-1\n")
    elif change == "other config profile edited":
        edit(aws.config, "role/prod\n", "role/prod\nregion = sa-east-1\n")
    elif change == "other credentials section edited":
        edit(aws.credentials, "[other]\n", "[other]\n# rotated\n")
    else:
        aws.credentials.write_text(aws.credentials.read_text() + "\n[qa]\naws_access_key_id=X\n")
    assert aws.run("dev", "--shell", "bash").stdout == MARKER


@pytest.mark.parametrize(
    "change",
    [
        "own section",
        "source section",
        "source keys",
        "section of the same name",
        "quoted header of the same name",
        "credentials section of the same name",
        "unreadable line elsewhere",
        "indented header elsewhere",
        "cache entries removed",
    ],
)
def test_memo_is_refused_after_a_change_to_what_it_was_built_from(aws: AwsEnv, change: str) -> None:
    dev_memo_doctored(aws)
    if change == "own section":
        edit(aws.config, "region = eu-central-1", "region = ap-east-1")
    elif change == "source section":
        edit(aws.config, "[profile mfa]\n", "[profile mfa]\nduration_seconds = 3600\n")
    elif change == "source keys":
        edit(aws.credentials, "[default]\n", "[default]\n# rotated\n")
    elif change == "section of the same name":
        aws.config.write_text(aws.config.read_text() + "\n[profile dev]\nregion = us-east-2\n")
    elif change == "quoted header of the same name":
        aws.config.write_text(aws.config.read_text() + "\n[profile 'dev']\nregion = us-east-2\n")
    elif change == "credentials section of the same name":
        aws.credentials.write_text(aws.credentials.read_text() + "\n[dev]\nregion = us-east-2\n")
    elif change == "unreadable line elsewhere":
        edit(aws.config, "role/prod\n", "role/prod\nnot a key value line\n")
    elif change == "indented header elsewhere":
        edit(aws.config, "[profile prod]", "  [profile prod]")
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
    assert SEED_CONFIG.splitlines()[0] == "[default]"

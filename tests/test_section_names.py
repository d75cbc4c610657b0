"""Profile names as botocore reads them: the config file's section names pass
through shlex (`[profile 'my dev']` is `my dev`), the credentials file's stand
as they are. Proved against botocore's own loader, on a corpus and at random."""

from __future__ import annotations

from pathlib import Path

import botocore.configloader
import pytest
from conftest import AwsEnv, botocore_session
from hypothesis import given, settings
from hypothesis import strategies as st

from awsenv.config.profiles import AwsFiles

HEADERS = [
    "default",
    "profile plain",
    "profile  two-spaces",
    "profile\ttab",
    "profile 'my dev'",
    'profile "my dev2"',
    "profile 'we''ird name'",
    "profile we\\ escaped",
    "profile back\\\\slash",
    "profile 'back\\slash in quotes'",
    'profile "dq \\"inner\\" quotes"',
    "profile ünïcödé ☃",
    "profile 'ünï cödé'",
    "profile a b c",
    "profile my dev",
    "profile 'unbalanced",
    'profile "unbalanced',
    "profile trailing\\",
    "profile",
    "profileX",
    "profilefoo bar",
    "profile 'emptyish' ''",
    "profile ''",
    "profile 'default'",
    "profile #hash",
    "profile ;semi",
    "profile [brackets]",
    "profile a]b",
    " profile leading-space",
    "Profile Capital",
    "sso-session corp",
    "services local",
    "plain-section",
    "profile dup",
    "profile 'dup'",  # the same name twice: botocore keeps the later section, whole
    "profile tail ",
]


def write_corpus(path: Path, headers: list[str]) -> None:
    path.write_text(
        "".join(f"[{header}]\nmarker = {i}\n\n" for i, header in enumerate(headers)),
        encoding="utf-8",
    )


def names_and_markers(profiles: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: values["marker"] for name, values in profiles.items()}


def compare(tmp_path: Path, headers: list[str]) -> dict[str, str]:
    config = tmp_path / "config"
    write_corpus(config, headers)
    ours = AwsFiles.load(config, tmp_path / "no-credentials").config
    theirs = botocore.configloader.load_config(str(config))["profiles"]
    assert names_and_markers(ours) == names_and_markers(theirs)
    return names_and_markers(ours)


def test_config_section_names_match_botocore_on_the_corpus(tmp_path: Path) -> None:
    found = compare(tmp_path, HEADERS)
    # And the corpus does hold the cases that matter, with botocore's answers.
    assert found["my dev"] == str(HEADERS.index("profile 'my dev'"))
    # Adjacent quoted strings join: not "we'ird name", as issue 6 guessed.
    assert "weird name" in found and "my dev2" in found and "ünï cödé" in found
    assert "tab" in found and "bar" in found
    assert found["dup"] == str(HEADERS.index("profile 'dup'"))
    assert "" in found  # [profile ''] names the empty profile, in botocore too
    for absent in ("a b c", "my", "profileX", "X", "unbalanced", "'my dev'", "Capital"):
        assert absent not in found


section_text = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\n\r\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(section_text, section_text.map(lambda t: f"profile {t}")), unique=True))
def test_config_section_names_match_botocore_at_random(tmp_path_factory, headers) -> None:
    # configparser's own defaults section, and headers it reads as something else.
    headers = [h for h in headers if h.strip() == h and h != "DEFAULT" and "]" not in h[-1:]]
    compare(tmp_path_factory.mktemp("corpus"), headers)


def test_credentials_file_names_stay_raw_as_botocore_sees_them(aws: AwsEnv) -> None:
    aws.write(
        "[profile 'my dev']\nregion = eu-west-1\n[profile x y z]\nregion = eu-west-2\n",
        '[profile "quoted"]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n'
        "[my dev]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n"
        "[a b c]\naws_access_key_id = AKIA3\naws_secret_access_key = s3\n",
    )
    names = AwsFiles.load(aws.config, aws.credentials).names
    with botocore_session(aws) as session:
        assert sorted(names) == sorted(session.available_profiles)
    assert sorted(names) == ["a b c", "my dev", 'profile "quoted"']


@pytest.mark.parametrize("header", ["profile 'my dev'", 'profile "my dev"'])
def test_a_quoted_profile_is_found_and_exported(aws: AwsEnv, header: str) -> None:
    aws.write(
        f"[default]\nregion = us-west-2\n[{header}]\nawsenv_source_profile = default\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        "[default]\naws_access_key_id = AKIAEXAMPLEALICE0001\n"
        "aws_secret_access_key = aliceSecretKey0000000000000000000000000001\n",
    )
    result = aws.run("my dev", "--shell", "bash", "--mfa-code", "123456")
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE='my dev'" in result.stdout


def test_a_profile_botocore_cannot_read_is_unknown(aws: AwsEnv) -> None:
    aws.write("[profile my dev]\nregion = eu-west-1\n", "")
    result = aws.run("my dev", "--shell", "bash")
    assert (result.returncode, result.stdout) == (3, "")
    assert "unknown profile 'my dev'" in result.stderr


def test_botocore_can_name_every_config_name_awsenv_finds(tmp_path: Path) -> None:
    from awsenv.core.obtain import botocore_can_name

    assert all(botocore_can_name(name) for name in compare(tmp_path, HEADERS))
    # configparser's defaults section, in the credentials file, is no profile.
    assert not botocore_can_name("DEFAULT")


# --- the section an edit changes ----------------------------------------------


def edited_by_botocore(tmp_path: Path, text: str, name: str) -> dict[str, str]:
    """What botocore reads for profile `name` after awsenv sets `edited = yes`
    in the sections it finds for it."""
    from awsenv.config.section_editor import update_profile

    config = tmp_path / "config"
    config.write_text(update_profile(text, name, {"edited": "yes"}))
    return dict(botocore.configloader.load_config(str(config))["profiles"][name])


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("[profile default]\nregion = eu-west-1\n", "default"),
        ("[default]\nregion = eu-west-1\n", "default"),
        ("[default]\nregion = us-east-1\n[profile default]\nregion = eu-west-1\n", "default"),
        ("[profile default]\nregion = us-east-1\n[default]\nregion = eu-west-1\n", "default"),
        ("[profile  dev]\nregion = eu-west-1\n", "dev"),
        ("[profile 'dev']\nregion = eu-west-1\n", "dev"),
        ("[profile dev]\nregion = us-east-1\n[profile 'dev']\nregion = eu-west-1\n", "dev"),
    ],
)  # fmt: skip
def test_an_edit_lands_in_the_section_botocore_reads_and_keeps_its_settings(
    tmp_path: Path, text: str, name: str
) -> None:
    """`keys add`, `keys remove` and `setup` edit the profile's own section:
    appending `[default]` below `[profile default]` would hide its region."""
    before = dict(
        botocore.configloader.load_config(_write(tmp_path / "before", text))["profiles"][name]
    )
    after = edited_by_botocore(tmp_path, text, name)
    assert after == {**before, "edited": "yes"}


def test_every_section_naming_the_profile_carries_the_edit(tmp_path: Path) -> None:
    """The Go and JS SDKs read `[profile default]` over `[default]` wherever
    it stands, botocore the later one: with both, each must find the edit."""
    import configparser

    from awsenv.config.section_editor import update_profile

    text = "[profile default]\nregion = us-east-1\n[other]\n[default]\nregion = eu-west-1\n"
    parser = configparser.RawConfigParser()
    parser.read_string(update_profile(text, "default", {"edited": "yes"}))
    assert parser["profile default"]["edited"] == parser["default"]["edited"] == "yes"
    assert "edited" not in parser["other"]


def test_a_profile_the_file_lacks_gets_the_section_awsenv_writes(tmp_path: Path) -> None:
    text = "[profile other]\nregion = eu-west-1\n"
    assert edited_by_botocore(tmp_path, text, "default") == {"edited": "yes"}
    assert edited_by_botocore(tmp_path, text, "dev") == {"edited": "yes"}


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)

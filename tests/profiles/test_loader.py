"""The profile loader: bundled profiles load, every stray key or bad value is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from precert.models import Status
from precert.profiles import (
    ProfileError,
    bundled_names,
    load_profile,
    parse_contact,
    profile_from_options,
)
from precert.profiles.loader import BUNDLED_DIR

CIGNA = BUNDLED_DIR / "cigna-commercial-dme.toml"
CGS = BUNDLED_DIR / "medicare-dmepos-cgs-table.toml"


def test_bundled_profiles_load_and_name_their_list() -> None:
    names = bundled_names()
    assert "cigna-commercial-dme" in names and "medicare-dmepos-cgs-table" in names
    cigna = load_profile("cigna-commercial-dme")
    assert (cigna.list.payer, cigna.list.line_of_business) == ("Cigna", "Commercial")
    assert cigna.values["out of scope"].status is Status.OUT_OF_SCOPE
    assert cigna.contacts.default is not None and "eviCore" in cigna.contacts.default.name
    medicare = load_profile(CGS)
    assert medicare.list.unlisted is Status.NOT_REQUIRED
    assert "E" in medicare.list.unlisted_scope
    texas = [s for s in medicare.contacts.by_state if "TX" in s.states]
    assert [s.contact.name for s in texas] == ["CGS Administrators (Jurisdiction C)"]


def _copy_with(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    target = tmp_path / "profile.toml"
    # The state table is named relative to the profile: point the copy at the bundled one.
    text = text.replace('"../../data/', f'"{BUNDLED_DIR.parent.parent}/data/')
    target.write_text(text.replace(old, new, 1))
    return target


def test_an_unknown_key_is_an_error_naming_the_file_and_the_key(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, CIGNA, 'program = "DME"', 'program = "DME"\nprogramme = "x"')
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value) and "list.programme" in str(caught.value)
    assert "unknown key" in str(caught.value)
    path = _copy_with(tmp_path, CIGNA, 'product = "Product"', 'prodcut = "Product"')
    with pytest.raises(ProfileError, match=r"tables\[1\]\.columns\.prodcut: unknown key"):
        load_profile(path)


def test_a_bad_value_names_its_key(tmp_path: Path) -> None:
    path = _copy_with(tmp_path, CIGNA, '"Yes" = "required"', '"Yes" = "needed"')
    with pytest.raises(ProfileError, match=r"status\.values\.Yes: expected one of required"):
        load_profile(path)
    path = _copy_with(tmp_path, CGS, 'qualifier = "voluntary"', 'qualifier = "optional"')
    with pytest.raises(ProfileError, match=r"codes\.clauses\[1\]\.qualifier: expected one of"):
        load_profile(path)
    path = _copy_with(tmp_path, CGS, "[read]", "[codes.x]\n[read]")
    with pytest.raises(ProfileError):
        load_profile(path)
    path = _copy_with(tmp_path, CIGNA, "[read]", "x = [\n[read]")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(path)


def test_an_exhaustive_list_must_say_what_it_covers(tmp_path: Path) -> None:
    path = _copy_with(
        tmp_path, CGS, 'unlisted_scope = ["A4206-A9999", "B4000-B9999", "E", "K", "L"]\n', ""
    )
    with pytest.raises(ProfileError, match=r"list\.unlisted_scope"):
        load_profile(path)


def test_the_options_form_builds_the_same_profile_as_a_file(tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(
        '[list]\nid = "acme-dme"\npayer = "Acme"\nline_of_business = "Medicaid"\n'
        'program = "prior-authorization"\n'
        '[[tables]]\nheader = ["QUEST"]\n[tables.columns]\ncode = "HCPCS"\nstatus = "QUEST"\n'
        '[status.values]\nX = "required"\n'
        '[contacts.default]\nname = "Acme UM"\nphone = "800-555-0100"\n'
    )
    from_file = load_profile(path)
    from_options = profile_from_options(
        payer="Acme",
        line_of_business="Medicaid",
        list_id="acme-dme",
        code_column="HCPCS",
        status_column="QUEST",
        status_map=["X=required"],
        contact="Acme UM; phone 800-555-0100",
    )
    assert from_options.values == from_file.values
    assert from_options.list == from_file.list
    assert from_options.contacts == from_file.contacts
    assert from_options.tables[0].columns == from_file.tables[0].columns


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ProfileError, match="--status-map"):
        profile_from_options(
            payer="Acme", line_of_business="Medicaid", list_id="acme", code_column="HCPCS",
            status_column="QUEST", status_map=["X=yes"],
        )  # fmt: skip
    with pytest.raises(ProfileError, match="--listed-means"):
        profile_from_options(
            payer="Acme", line_of_business="Medicaid", list_id="acme", code_column="HCPCS"
        )
    with pytest.raises(ProfileError, match="--list is required"):
        profile_from_options(
            payer="Acme", line_of_business="Medicaid", list_id=None, code_column="HCPCS",
            listed_means="required",
        )  # fmt: skip
    with pytest.raises(ProfileError, match="after the name"):
        parse_contact("Acme UM; tel 800")
    assert parse_contact("Acme UM; phone 800-555-0100; url https://acme.example/pa") == {
        "name": "Acme UM",
        "phone": "800-555-0100",
        "url": "https://acme.example/pa",
    }


def test_bundled_profiles_name_the_payers_wider_rules_page(tmp_path: Path) -> None:
    cigna = load_profile(CIGNA).list
    assert cigna.more_info_url == (
        "https://www.cigna.com/health-care-providers/coverage-and-claims/precertification"
    )
    assert cigna.more_info_label and "master precertification list" in cigna.more_info_label
    for name in bundled_names():
        if name.startswith("medicare-"):
            info = load_profile(name).list
            assert info.more_info_url and info.more_info_url.startswith("https://www.cms.gov/")
            assert info.more_info_label and "Required Prior Authorization List" in (
                info.more_info_label
            )
    path = _copy_with(
        tmp_path, CIGNA, 'more_info_url = "https://', 'more_info_url = "www.example.org/'
    )
    with pytest.raises(ProfileError, match=r"list\.more_info_url: expected a web address"):
        load_profile(path)


def test_states_must_be_postal_codes(tmp_path: Path) -> None:
    news = BUNDLED_DIR / "medicare-dmepos-cgs-news.toml"
    (phase_one,) = [s for s in load_profile(news).sections if s.states]
    assert phase_one.states == ("CA", "FL", "OH", "PA")
    path = _copy_with(tmp_path, news, '"CA", "FL"', '"California", "FL"')
    with pytest.raises(ProfileError, match=r"sections\[2\]\.states: expected two-letter postal"):
        load_profile(path)

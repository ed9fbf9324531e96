"""Profiles by name: a shipped profile is found by its name when no file of that name exists, a
path always wins, and an unknown name lists the shipped ones."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError
from bench.profile.reader import load_profile, shipped_profiles

ROOT = Path(__file__).resolve().parents[3]
IN_REPO = sorted(path.stem for path in (ROOT / "profiles").glob("*.toml"))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working folder with no profile files in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_profile_of_the_repository_ships_with_the_package():
    assert sorted(shipped_profiles()) == IN_REPO


@pytest.mark.parametrize("given", ["capacity", "capacity.toml"])
def test_a_shipped_profile_is_found_by_its_name_with_or_without_toml(elsewhere, given):
    profile = load_profile(given)
    assert profile.text == (ROOT / "profiles" / "capacity.toml").read_text(encoding="utf-8")
    assert Path(profile.source).name == "capacity.toml"


@pytest.mark.parametrize("given", ["capacity", "capacity.toml"])
def test_a_file_of_that_name_wins_over_the_shipped_profile(elsewhere, given):
    (elsewhere / given).write_text('name = "mine"\nperiod = "1 s"\nsteps = ["Rest for 1 min"]\n'
                                   '[dut]\nkind = "cell"\n', encoding="utf-8")
    profile = load_profile(given)
    assert (profile.name, profile.source) == ("mine", given)


def test_an_unknown_name_is_an_input_error_listing_the_shipped_names(elsewhere):
    with pytest.raises(InputError) as info:
        load_profile("capacty")
    assert (info.value.source, info.value.key) == ("capacty", "")
    assert info.value.message == ("no such file, and no shipped profile of that name; shipped: "
                                  + ", ".join(IN_REPO))


def test_a_missing_path_with_a_folder_is_a_missing_file_not_a_name(elsewhere):
    with pytest.raises(InputError, match="cannot read the profile: No such file or directory"):
        load_profile("profiles/capacity.toml")

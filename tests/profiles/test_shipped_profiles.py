"""Every shipped profile loads, fits the simulated station, cites its method and marks the
numbers it chose as PARAMETERs."""
from __future__ import annotations

import re

import pytest
from profile_runs import PROFILES, station

from bench.errors import InputError
from bench.run.preflight import check_against_station
from bench.profile.reader import load_profile
from bench.station.config import load_station

SHIPPED = sorted(PROFILES.glob("*.toml"))
ISSUE_6 = ("capacity", "cycle-life", "thermal-rise", "ocp", "short-circuit", "over-discharge", "input-ovp",
           "self-discharge", "dcir", "incoming-cell", "latent-defect")


def test_the_profiles_of_issue_6_are_shipped():
    assert {p.stem for p in SHIPPED} >= set(ISSUE_6)


@pytest.mark.parametrize("path", [PROFILES / f"{name}.toml" for name in ISSUE_6], ids=ISSUE_6)
def test_profile_validates_cites_its_method_and_marks_its_parameters(path, tmp_path):
    profile = load_profile(path)
    check_against_station(profile, load_station(station(tmp_path, channel=2) if path.stem == "input-ovp" else None))
    assert profile.name and profile.description
    assert len(profile.reference) > 40, "source must name the standard or method"
    assert profile.criteria and profile.safety, "criteria, and the bench's own safety limits"
    text = path.read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#") or " # " in line)
    assert "PARAMETER" in comments, "numbers a public source is unsure of are marked PARAMETER"
    assert re.search(r"(GB/T|GB |IEC|USABC|HPPC|K.value|float.current)", comments + profile.reference)


def test_input_ovp_runs_on_a_supply_channel_that_reaches_12_v(tmp_path):
    """The E36312A's channel 2 (25 V, 1 A) takes every step of input-ovp.toml."""
    check_against_station(load_profile(PROFILES / "input-ovp.toml"), load_station(station(tmp_path, channel=2)))


def test_validate_refuses_a_setpoint_the_station_supply_cannot_give():
    """The default station's supply channel (E36312A CH1, 0-6.18 V) cannot give input-ovp's 7 V."""
    with pytest.raises(InputError, match="7 V"):
        check_against_station(load_profile(PROFILES / "input-ovp.toml"), load_station())

"""Step wording: PyBaMM / cycler phrases become instrument setpoints in SI."""
import pytest

from bench.errors import InputError
from bench.product.label import Ratings
from bench.profile.steps import (SUPPLY_REGULATION_TOLERANCE, LoadLevel, LoadRamp, PassThrough, Rest, SupplyCC,
                                  SupplyCV, parse_step)


def step(text, **kw):
    return parse_step(text, "p.toml", "steps[1]", 1, **kw)


def test_cv_charge_with_limit_drives_the_supply_and_ends_on_sustained_current():
    s = step("Charge at 5 V, 3 A limit until current < 100 mA for 60 s")
    assert isinstance(s, SupplyCV) and s.measures_input and (s.voltage, s.current) == (5.0, 3.0)
    (c,) = s.until
    assert (c.quantity, c.op, c.value, c.hold) == ("current", "<", pytest.approx(0.1), 60.0)


def test_cc_charge_until_voltage_sets_the_supply_to_that_voltage():
    s = step("Charge at 1 A until 4.2 V")
    assert isinstance(s, SupplyCC) and (s.voltage, s.current) == (4.2, 1.0)
    assert s.until[0].value == pytest.approx(4.2 - SUPPLY_REGULATION_TOLERANCE)


@pytest.mark.parametrize("text, mode, level", [
    ("Discharge at 2 A until 4.5 V", "CC", 2.0),
    ("Discharge at 10 W until 3.0 V", "CP", 10.0),
    ("Discharge at 2 ohm until 3.0 V", "CR", 2.0),
    ("Discharge at 3 V until 50 mA", "CV", 3.0),
    ("Discharge at 500 mA for 10 min", "CC", 0.5),
])
def test_discharge_selects_the_load_mode_from_the_unit(text, mode, level):
    s = step(text)
    assert isinstance(s, LoadLevel) and not s.measures_input and (s.mode, s.level) == (mode, pytest.approx(level))


def test_bare_voltage_ends_a_discharge_below_it():
    c = step("Discharge at 2 A until 4.5 V").until[0]
    assert (c.quantity, c.op, c.value) == ("voltage", "<=", 4.5)


def test_c_rate_uses_the_rated_capacity():
    assert step("Discharge at 0.5C until 2.5 V", rated_capacity=5 * 3600).level == pytest.approx(2.5)
    assert step("Hold at 4.2 V until C/50", rated_capacity=5 * 3600, previous_limit=1.0).until[0].value == \
        pytest.approx(0.1)


def test_hold_inherits_the_current_limit_of_the_charge_before():
    s = step("Hold at 4.2 V until 50 mA", previous_limit=1.5)
    assert isinstance(s, SupplyCV) and (s.action, s.voltage, s.current) == ("hold", 4.2, 1.5)


def test_rest_with_duration_or_alternatives_and_period():
    assert step("Rest for 30 min").duration == 1800
    s = step("Discharge at 1 A for 1 hour or until 3.3 V (10 s period)")
    assert (s.duration, s.period, s.until[0].value) == (3600, 10, 3.3)
    s = step("Rest until cell temperature < 30 degC or time > 2 h")
    assert [(c.channel, c.quantity) for c in s.until] == [("cell", "temperature"), (None, "time")]


@pytest.mark.parametrize("text, fragment", [
    ("Hold at 4.2 V until 50 mA", "needs a current limit"),
    ("Charge at 5 V until 100 mA", "needs a current limit"),
    ("Charge at 1 A for 1 h", "voltage it may not exceed"),
    ("Discharge at 2 A", "never ends"),
    ("Discharge at 2 degC until 3 V", "current, power, resistance or voltage"),
    ("Jump at 2 A until 3 V", "cannot read step"),
    ("Rest at 2 A for 1 min", "takes no setpoint"),
    ("Discharge at 0.5C until 3 V", "needs dut.rated_capacity"),
    ("Rest until frobnication > 3 V", "unknown quantity"),
])
def test_unreadable_steps_say_what_is_wrong(text, fragment):
    with pytest.raises(InputError, match=fragment) as info:
        step(text)
    assert str(info.value).startswith("p.toml: steps[1]: ")


def test_a_charge_can_load_the_output_at_the_same_time():
    from bench.profile.steps import with_load

    s = with_load(step("Charge at 5 V, 2 A limit for 1 h"), "Discharge at 1 A", "p.toml", "steps[1].with", None)
    assert isinstance(s, PassThrough) and s.measures_input
    assert (s.charge.voltage, s.charge.current, s.load.mode, s.load.level) == (5.0, 2.0, "CC", 1.0)
    assert s.text == "Charge at 5 V, 2 A limit for 1 h + Discharge at 1 A"
    with pytest.raises(InputError, match="only a charge or a hold"):
        with_load(step("Rest for 1 min"), "Discharge at 1 A", "p.toml", "steps[1].with", None)
    with pytest.raises(InputError, match=r"steps\[1\].with: expected the load"):
        with_load(step("Charge at 5 V, 2 A limit for 1 h"), "Charge at 1 A", "p.toml", "steps[1].with", None)


class Bench:
    """Instruments that record what a step asks of them, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def set_mode(self, mode, level):
        self.calls.append(("load mode", mode, level))

    def set_input(self, on):
        self.calls.append(("load input", on))

    def configure(self, voltage, current_limit):
        self.calls.append(("supply", voltage, current_limit))

    def set_output(self, on):
        self.calls.append(("supply output", on))


@pytest.mark.parametrize("text, calls", [
    ("Rest for 1 min", [("load input", False), ("supply output", False)]),
    ("Charge at 5 V, 2 A limit for 1 h", [("load input", False), ("supply", 5.0, 2.0), ("supply output", True)]),
    ("Charge at 1 A until 4.2 V", [("load input", False), ("supply", 4.2, 1.0), ("supply output", True)]),
    ("Discharge at 10 W until 3 V", [("supply output", False), ("load mode", "CP", 10.0), ("load input", True)]),
])
def test_each_step_kind_switches_off_what_it_does_not_use_before_it_drives(text, calls):
    bench = Bench()
    step(text).apply(bench, bench, 0.0)
    assert bench.calls == calls


def test_pass_through_feeds_the_input_and_loads_the_output_at_once():
    from bench.profile.steps import with_load

    bench = Bench()
    s = with_load(step("Charge at 5 V, 2 A limit for 1 h"), "Discharge at 1 A", "p.toml", "steps[1].with", None)
    s.apply(bench, bench, 0.0)
    assert bench.calls == [("supply", 5.0, 2.0), ("supply output", True), ("load mode", "CC", 1.0),
                           ("load input", True)]


def test_a_ramp_sets_its_level_for_the_time_into_the_step():
    s = step("Discharge ramp from 2 A to 4 A over 60 s until 3 V")
    assert isinstance(s, LoadRamp) and s.follows
    bench = Bench()
    s.apply(bench, bench, 30.0)  # set up again half way (a resume, a reopened load)
    s.follow(bench, 90.0)
    assert bench.calls[1] == ("load mode", "CC", pytest.approx(3.0)) and bench.calls[-1] == ("load mode", "CC", 4.0)
    assert s.setpoints() == (("current", 4.0, "current"),)


def test_each_step_names_the_setpoints_a_station_limit_bounds():
    assert step("Charge at 5 V, 3 A limit for 1 h").setpoints() == (
        ("voltage", 5.0, "voltage"), ("current limit", 3.0, "current"))
    assert step("Discharge at 10 W until 3 V").setpoints() == (("power", 10.0, "power"),)
    assert isinstance(step("Rest for 1 min"), Rest) and step("Rest for 1 min").setpoints() == ()


def test_estimates_come_from_the_ratings_and_a_fixed_duration_caps_them():
    bank = Ratings(kind="power bank", rated_capacity=10 * 3600, nominal_voltage=3.7, rated_output_voltage=5.0)
    discharge = step("Discharge at 2 A until 4.5 V").estimate(bank)
    assert discharge == pytest.approx(10 * 3600 * 3.7 * 0.88 / 10.0)  # rated energy x efficiency / 10 W
    assert step("Discharge at 2 A for 1 h or until 4.5 V").estimate(bank) == 3600
    assert step("Rest until time > 1 h").estimate(bank) is None


def test_a_step_with_a_fixed_duration_and_no_end_condition_is_estimated_at_that_duration():
    bank = Ratings(kind="power bank", rated_capacity=10 * 3600, nominal_voltage=3.7, rated_output_voltage=5.0)
    assert step("Hold at 4.2 V, 1 A limit for 4 h").estimate(bank) == 4 * 3600  # not the time to full: it holds 4 h
    assert step("Discharge at 2 A for 10 h").estimate(bank) == 10 * 3600
    assert step("Hold at 4.2 V, 1 A limit for 4 h or until 50 mA").estimate(bank) < 4 * 3600  # ends sooner

"""Whatever a station file holds, parse_station either returns a station or raises an
InputError (one line and exit 2 in the CLI): never another exception."""
from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tomldocs import toml_document

from bench.errors import InputError
from bench.station.config import default_station_path, parse_station

BASE = tomllib.loads(open(default_station_path(), encoding="utf-8").read())
KEYS = ["name", "description", "load", "supply", "thermo", "limits", "world", "faults", "driver", "resource",
        "channel", "tc_type", "critical", "channels", "max_voltage", "max_current", "max_power",
        "max_temperature", "dut", "seed", "ambient", "overrides", "grace", "watchdog", "frozen", "cell"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True),
                    st.sampled_from(["sim://", "5 A", "21 V", "70 degC", "-3 A", "10 s", "K", "rigol-dl3000",
                                     "keysight-34970a", "powerbank-10000", "", "9**9 V", "nan s"]),
                    st.text(max_size=12))
values = st.recursive(scalars.filter(lambda v: v is not None),
                      lambda inner: st.one_of(st.lists(inner, max_size=4),
                                              st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
       removed=st.lists(st.sampled_from(sorted(BASE)), max_size=2))
def test_any_station_document_loads_or_is_an_input_error(changes, removed):
    """Start from the real simulated station, then replace and remove tables and keys at random."""
    data = {k: v for k, v in BASE.items() if k not in removed}
    for key, value in changes.items():
        table = data.get(key)
        if isinstance(table, dict) and isinstance(value, dict):
            data[key] = {**table, **value}
        else:
            data[key] = value
    try:
        parse_station(toml_document(data), "fuzz.toml")
    except InputError as exc:
        assert str(exc).startswith("fuzz.toml")

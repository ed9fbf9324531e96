"""Strict TOML tables: every way a file or a table can be wrong is an InputError naming the file,
the key path and what was expected."""
from __future__ import annotations

import pytest

from bench.errors import InputError
from bench.tables import (
    list_value,
    need,
    read_text,
    read_toml,
    reject_unknown,
    text_value,
)


def error(call, *args, **kwargs) -> tuple[str, str, str]:
    """(source, key, message) of the InputError the call raises."""
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    return info.value.source, info.value.key, info.value.message


def test_read_text_returns_the_text_of_a_utf8_file(write):
    path = write("p.toml", 'name = "Prüfung"\n')
    assert read_text(str(path), "profile") == 'name = "Prüfung"\n'


def test_a_missing_file_cannot_be_read_and_the_error_says_why(tmp_path):
    source = str(tmp_path / "nope.toml")
    assert error(read_text, source, "profile") == (source, "", "cannot read the profile: No such file or directory")


def test_a_folder_cannot_be_read_as_a_file(tmp_path):
    assert error(read_text, str(tmp_path), "station")[2] == "cannot read the station: Is a directory"


def test_a_non_utf8_file_is_not_a_text_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'name = "\xff\xfe"\n')
    assert error(read_text, str(path), "profile") == (str(path), "", "not a text file: expected a TOML profile in UTF-8")


def test_read_toml_parses_a_table():
    assert read_toml('name = "x"\n[dut]\nkind = "cell"\n', "p.toml") == {"name": "x", "dut": {"kind": "cell"}}


@pytest.mark.parametrize("text, line", [
    ("name = \"x\"\nperiod 1 s\n", 2),
    ("[dut]\nkind = \"cell\"\nkind = \"cell\"\n", 3),
    ("name x\n", 1),
])
def test_invalid_toml_names_its_line_counting_from_one(text, line):
    source, key, message = error(read_toml, text, "p.toml")
    assert (source, key) == ("p.toml", "")
    assert message.startswith("not valid TOML: ") and f"(at line {line}," in message


@pytest.mark.parametrize("prefix, where", [("", "colour"), ("dut", "dut.colour"), ("criteria[2]", "criteria[2].colour")])
def test_an_unknown_key_is_named_with_its_key_path_and_the_keys_expected(prefix, where):
    table = {"kind": "cell", "colour": "red"}
    assert error(reject_unknown, table, {"name", "kind"}, "p.toml", prefix) == (
        "p.toml", where, "unknown key; expected one of kind, name")


def test_known_keys_are_accepted():
    reject_unknown({"kind": "cell"}, {"name", "kind"}, "p.toml", "dut")


def test_need_returns_the_value_or_names_the_missing_key_and_what_is_expected():
    assert need({"period": "1 s"}, "period", "p.toml", "a time (e.g. '1 s')") == "1 s"
    assert error(need, {}, "period", "p.toml", "a time (e.g. '1 s')") == (
        "p.toml", "period", "missing; expected a time (e.g. '1 s')")
    assert error(need, {}, "metric", "p.toml", "a metric", prefix="criteria[1]")[1] == "criteria[1].metric"


def test_text_value_is_optional_unless_required():
    assert text_value({}, "source", "p.toml") == ""
    assert text_value({"name": "x"}, "name", "p.toml", required=True) == "x"
    assert error(text_value, {}, "name", "p.toml", required=True, prefix="criteria[1]") == (
        "p.toml", "criteria[1].name", "missing; expected text")


@pytest.mark.parametrize("table, required", [({"name": 3}, False), ({"name": "  "}, True)])
def test_text_value_rejects_what_is_not_text(table, required):
    assert error(text_value, table, "name", "p.toml", required=required) == (
        "p.toml", "name", f"expected text, got {table['name']!r}")


def test_list_value_rejects_what_is_not_a_list():
    assert list_value([1], "p.toml", "steps") == [1]
    assert error(list_value, "Rest for 1 min", "p.toml", "steps") == (
        "p.toml", "steps", "expected a list, got 'Rest for 1 min'")


def test_a_utf8_bom_at_the_start_of_a_file_is_not_part_of_its_text(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "x"\n')
    assert read_text(str(path), "profile") == 'name = "x"\n'


@pytest.mark.parametrize("text, line", [
    ('name = """Base\nperiod = "1 s"\n', 1),  # a multi-line string never closed
    ('name = "x"\nperiod = "1 s"\nsteps = [ "Rest for 1 min"\n', 3),
    ('a = "ok # not a comment"\nb = [1, "]"  # nor is this ]\n', 2),
    ('a = [\n  [1, 2],\n  [3,\n', 3),
])
def test_toml_open_at_the_end_of_the_file_names_the_line_it_opens_at(text, line):
    with pytest.raises(InputError) as caught:
        read_toml(text, "p.toml")
    assert "at end of document" in caught.value.message
    assert caught.value.message.endswith(f"what is not closed opens at line {line}")

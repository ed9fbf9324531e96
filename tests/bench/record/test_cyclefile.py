"""cycles.csv read back (bench/record/cyclefile.py): the rows as the logbook wrote them, keyed,
in cycle order, with what a crash or a hand edit may leave in the file skipped."""
from __future__ import annotations

from bench.record.cyclefile import CYCLE_COLUMNS, read_cycles
from bench.record.schema import CYCLE_COLUMNS as WRITTEN

HEADER = ",".join(name for name, _ in WRITTEN)


def row(cycle: int, q_out: str = "4.9") -> str:
    values = {"Cycle Count / 1": str(cycle), "Test Time / s": str(cycle * 7200),
              "Discharging Capacity / Ah": q_out, "Coulombic Efficiency / %": "99.0"}
    return ",".join(values.get(name, "") for name, _ in WRITTEN)


def test_every_key_reads_a_column_the_logbook_writes():
    assert set(CYCLE_COLUMNS.values()) <= {name for name, _ in WRITTEN}


def test_rows_come_back_keyed_in_cycle_order_with_empty_and_nan_cells_left_out(tmp_path):
    path = tmp_path / "cycles.csv"
    path.write_text("\n".join([HEADER, row(2), row(1, "nan"), row(3, "x")]) + "\n", encoding="utf-8")
    rows = read_cycles(path)
    assert [r["cycle"] for r in rows] == [1.0, 2.0, 3.0]
    assert rows[1] == {"cycle": 2.0, "time": 14400.0, "q_out": 4.9, "ce": 99.0}
    assert "q_out" not in rows[0] and "q_out" not in rows[2] and "e_in" not in rows[1]


def test_a_torn_or_garbled_line_is_skipped_and_a_missing_file_has_no_rows(tmp_path):
    path = tmp_path / "cycles.csv"
    path.write_text("\n".join([HEADER, row(1), row(2) + ",extra", "3,21600,4.8"]) + "\n", encoding="utf-8")
    assert [r["cycle"] for r in read_cycles(path)] == [1.0]
    assert read_cycles(tmp_path / "absent.csv") == []

"""The JUnit sink: junit.xml for CI systems, one test case per criterion, written at the run's end."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bench.analysis.verdict import Verdict
from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import RunEnd, Sink


class JUnitWriter(Sink):
    """A run that was ABORTED or hit an ERROR adds a failing 'run' case."""

    def __init__(self, folder: Path, suite: str) -> None:
        self.path = folder / schema.JUNIT
        self.suite = suite

    def run_end(self, record: RunEnd) -> None:
        outcome = record.outcome
        totals = outcome.run_totals
        duration = 0.0 if totals is None else totals.end - totals.start
        root = ET.Element("testsuites")
        cases = []
        for result in outcome.results:
            case = ET.Element("testcase", name=result.criterion.name, classname=self.suite)
            if result.outcome == "FAIL":
                ET.SubElement(case, "failure", message=result.describe(), type="criterion")
            props = ET.SubElement(case, "properties")
            for key, value in result.to_json().items():
                ET.SubElement(props, "property", name=key, value="" if value is None else str(value))
            cases.append(case)
        if outcome.verdict in (Verdict.ABORTED, Verdict.ERROR):
            case = ET.Element("testcase", name="run", classname=self.suite)
            tag = "failure" if outcome.verdict is Verdict.ABORTED else "error"
            ET.SubElement(case, tag, message=f"{outcome.verdict}: {outcome.reason}", type=outcome.verdict.lower())
            cases.append(case)
        failures = sum(1 for c in cases if c.find("failure") is not None)
        errors = sum(1 for c in cases if c.find("error") is not None)
        suite = ET.SubElement(root, "testsuite", name=self.suite, tests=str(len(cases)), failures=str(failures),
                              errors=str(errors), time=f"{duration:.3f}")
        suite.extend(cases)
        ET.indent(root)
        write_atomic(self.path, '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")

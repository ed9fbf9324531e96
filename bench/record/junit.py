"""What a finished run leaves for people and machines: junit.xml for CI systems."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bench.analysis.criteria import Result


def write_junit(path: Path, suite: str, verdict: str, reason: str, results: list[Result], duration: float) -> None:
    """One test case per criterion; a run that was ABORTED or hit an ERROR adds a failing 'run' case."""
    root = ET.Element("testsuites")
    cases = []
    for result in results:
        case = ET.Element("testcase", name=result.criterion.name, classname=suite)
        if result.outcome == "FAIL":
            ET.SubElement(case, "failure", message=result.describe(), type="criterion")
        props = ET.SubElement(case, "properties")
        for key, value in result.to_json().items():
            ET.SubElement(props, "property", name=key, value="" if value is None else str(value))
        cases.append(case)
    if verdict in ("ABORTED", "ERROR"):
        case = ET.Element("testcase", name="run", classname=suite)
        tag = "failure" if verdict == "ABORTED" else "error"
        ET.SubElement(case, tag, message=f"{verdict}: {reason}", type=verdict.lower())
        cases.append(case)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(cases)), failures=str(failures),
                       errors=str(errors), time=f"{duration:.3f}")
    ts.extend(cases)
    ET.indent(root)
    tmp = path.with_name(path.name + ".tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)

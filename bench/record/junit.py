"""The JUnit sink: junit.xml for CI systems, one test case per criterion, written at the run's end.

The file is valid against both JUnit schemas CI readers follow: Apache Ant's
(https://github.com/windyroad/JUnit-Schema, JUnit.xsd) and Jenkins' (dtkit junit-4.xsd, as kept in
https://github.com/junit-team/junit5, platform-tests/src/test/resources/jenkins-junit.xsd); the
tests validate against copies of both (tests/bench/record/schemas/). What that takes:

- each test case unique by classname and name, also across the reports of one CI job (GitLab
  keeps one of a pair): the classname is the run id, the names are the criteria's;
- `timestamp` (local time without offset, the form Ant's schema allows), `hostname`, and `time` in
  wall-clock seconds; the bench's own test time (simulated on the simulated bench) is the
  `test_time_s` property;
- details where the schemas allow them: run facts as suite properties, the criteria in words in
  the suite's system-out, a failure's message in the failure;
- a criterion the run did not measure because it ended early is skipped, not failed;
- at least one test case: a run of a profile without criteria is a passing `run` case (Jenkins'
  junit step fails a build on a report without test cases, jenkinsci/junit-plugin#499);
- no character XML 1.0 cannot hold (control characters in a profile's name, a message).
"""
from __future__ import annotations

import datetime as dt
import platform
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterable, Mapping

from bench.record import schema
from bench.record.logbook import write_atomic
from bench.record.records import RecordError, RunEnd, Sink
from bench.record.verdict import Verdict

RUN_CASE = "run"  # the case that fails when the run was ABORTED or hit an ERROR, and passes alone without criteria

# what XML 1.0 cannot hold: C0 controls but tab and newlines, surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD (ElementTree escapes
    the rest: quotes, <, > and &)."""
    return _NOT_XML.sub("\ufffd", text)


def _token(text: str, fallback: str) -> str:
    """A name as the schemas' xs:token reads it (one line, single spaces), never empty."""
    return " ".join(xml_text(text).split()) or fallback


def _unique(names: Iterable[str]) -> list[str]:
    """Test case names as tokens, a repeat numbered ('a', 'a (2)'): criteria named alike but for
    their spacing, or one named like the run case, stay apart."""
    taken = {RUN_CASE}
    out = []
    for name in names:
        base = _token(name, "criterion")
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        out.append(name)
    return out


class JUnitWriter(Sink):
    """`criteria`: the profile's criterion names, so that a run that ended before any was judged
    still lists them (skipped); `properties`: run facts for the suite (None values left out);
    `copy`: a second path to write the same file to (`bench run --junit`)."""

    def __init__(self, folder: Path, suite: str, criteria: Iterable[str] = (),
                 properties: Mapping[str, Any] | None = None, copy: Path | None = None) -> None:
        self.path = folder / schema.JUNIT
        self.copy = copy
        self.suite = _token(suite, folder.name)
        self.classname = _token(folder.name, self.suite)
        self.criteria = tuple(criteria)
        self.properties = dict(properties or {})
        self.started = dt.datetime.now()
        self._began = time.monotonic()

    def run_end(self, record: RunEnd) -> None:
        text = self.render(record.outcome, time.monotonic() - self._began)
        write_atomic(self.path, text)
        if self.copy is not None:
            try:
                write_atomic(self.copy, text)
            except RecordError as exc:
                raise RecordError(f"--junit {self.copy}: {exc}") from None

    def render(self, outcome: Any, elapsed: float) -> str:
        """The file for `outcome` (a bench.run.engine.Outcome), `elapsed` wall-clock seconds after the start."""
        verdict = outcome.verdict
        ended_early = verdict in (Verdict.ABORTED, Verdict.ERROR)
        judged = {r.criterion.name: r for r in outcome.results}
        names = list(dict.fromkeys([*self.criteria, *judged]))
        cases, lines = [], [f"{verdict}: {outcome.reason}"]
        for name, shown in zip(names, _unique(names)):
            case = ET.Element("testcase", name=shown, classname=self.classname, time="0")
            result = judged.get(name)
            if result is None or (result.value is None and ended_early):
                why = f"not measured: the run ended {verdict} before it could be"
                ET.SubElement(case, "skipped").text = why
                lines.append(f"{name}: {why}")
            else:
                lines.append(result.describe())
                if result.outcome == "FAIL":
                    message = xml_text(lines[-1])
                    ET.SubElement(case, "failure", message=message, type="criterion").text = message
            cases.append(case)
        if ended_early or not cases:  # a run with no criteria is one passing case: an empty report fails CI
            case = ET.Element("testcase", name=RUN_CASE, classname=self.classname, time=f"{elapsed:.3f}")
            if ended_early:
                message = xml_text(lines[0])
                tag = "failure" if verdict is Verdict.ABORTED else "error"
                ET.SubElement(case, tag, message=message, type=verdict.lower()).text = message
            cases.append(case)

        def count(tag: str) -> str:
            return str(sum(1 for c in cases if c.find(tag) is not None))
        totals = outcome.run_totals
        facts = {"verdict": str(verdict), "reason": outcome.reason,
                 "test_time_s": f"{0.0 if totals is None else totals.end - totals.start:.3f}", **self.properties}
        root = ET.Element("testsuites")
        suite = ET.SubElement(root, "testsuite", name=self.suite, timestamp=self.started.strftime("%Y-%m-%dT%H:%M:%S"),
                              hostname=_token(platform.node(), "localhost"), tests=str(len(cases)),
                              failures=count("failure"), errors=count("error"), skipped=count("skipped"),
                              time=f"{elapsed:.3f}", id="0", package=self.suite)
        properties = ET.SubElement(suite, "properties")
        for key, value in facts.items():
            if value is not None:
                ET.SubElement(properties, "property", name=key, value=xml_text(str(value)))
        suite.extend(cases)
        ET.SubElement(suite, "system-out").text = xml_text("\n".join(lines) + "\n")
        ET.SubElement(suite, "system-err")
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

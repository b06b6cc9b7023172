"""junit.xml: a test suite per provider and a test case per check (each scenario, the stateful layer, each
generated slot), classed by provider and layer (`mka1.scenario`), so CI test views show what ran and what found
drift.

A check fails when it found new or expired error drift; it is skipped when it did not run, or when everything it
found is known (baselined) drift, with the baseline reasons; otherwise it passes. Every drift a check found is
listed in its failure text or system-out, known drift included: nothing is hidden. One more case per provider,
`run`, passes, or is skipped or errored when the provider was skipped or unavailable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from contracts import escape
from contracts.model import BaselineEntry, BaselineState, CheckResult, DriftRecord, ProviderResult, RunReport, Status
from contracts.report.view import impact_counts, location, matched, provider_facts, stop_line

FALLBACK = BaselineEntry(fingerprint="", kind="", location="", reason="in the baseline")


def _text(value: object) -> str:
    """Every vendor-controlled string (drift values, messages, repros, notes, stop details) passes here first."""
    return escape.safe_text(str(value))


def case_name(record: DriftRecord) -> str:
    """The test case name of a drift record."""
    return f"{record.kind} at {_text(location(record))} ({record.status_code})"


def details(record: DriftRecord, accepted: BaselineEntry | None) -> str:
    """The full text of a drift: message, values, baseline and the repro."""
    lines = [
        f"{case_name(record)}: {_text(record.message)}",
        f"operation: {record.operation} {record.method} {record.path} -> {record.status_code}",
        f"location: {_text(location(record))}",
        f"expected: {_text(record.expected)}",
        f"actual: {_text(record.actual)}",
        f"basis: {record.basis}; severity: {record.severity}; seen {record.occurrences} times",
        impact_line(record),
        f"baseline: {record.baseline}" + (f" ({reason(accepted)})" if accepted else ""),
        f"schema: {record.schema_location}",
        f"fingerprint: {record.fingerprint}",
        f"reproduce: {_text(record.reproduce)}",
    ]
    return "\n".join(lines)


def impact_line(record: DriftRecord) -> str:
    """The record's client impact and the SDK's own words (vendor text, made safe for XML)."""
    said = f" ({escape.xml(record.impact.message)})" if record.impact.message else ""
    return f"impact: {record.impact.label}{said}"


def reason(entry: BaselineEntry) -> str:
    """A baseline entry's reason, link and expiry on one line."""
    text = " ".join(entry.reason.split())
    if entry.link:
        text += f" <{entry.link}>"
    if entry.expires:
        text += f"; expires {entry.expires}"
    return text


def _case(suite: ET.Element, classname: str, check: CheckResult, records: list[DriftRecord],
          accepted: dict[str, BaselineEntry]) -> str:  # fmt: skip
    case = ET.SubElement(suite, "testcase", name=check.name, classname=classname, time="0")
    properties = ET.SubElement(case, "properties")
    ET.SubElement(properties, "property", name="requests", value=str(check.requests))
    for record in records:
        ET.SubElement(properties, "property", name="drift", value=f"{record.fingerprint} {record.baseline}")
        ET.SubElement(properties, "property", name="impact", value=f"{record.fingerprint} {record.impact.label}")
    text = "\n\n".join(details(record, accepted.get(record.fingerprint)) for record in records)
    failed = [record for record in records if record.failing]
    known = [record for record in records if record.baseline is BaselineState.KNOWN]
    if failed:
        summary = "; ".join(f"{case_name(r)}: {why(r, accepted.get(r.fingerprint))}" for r in failed)
        ET.SubElement(case, "failure", message=summary, type=str(failed[0].kind)).text = text
        return "failure"
    if not check.ran:
        cause = check.reason or "see the provider's run case and notes"
        ET.SubElement(case, "skipped", message=f"not run to the end: {cause}")
        return "skipped"
    if known:  # what is left besides known drift are warnings, which never fail
        reasons = "; ".join(f"{case_name(r)}: {reason(accepted.get(r.fingerprint, FALLBACK))}" for r in known)
        ET.SubElement(case, "skipped", message=f"known drift: {reasons}")
    if text:
        ET.SubElement(case, "system-out").text = text
    return "skipped" if known else "passed"


def why(record: DriftRecord, accepted: BaselineEntry | None) -> str:
    """Why a drift fails the run: it is new, or its baseline entry expired."""
    if record.baseline is BaselineState.NEW:
        return f"new error drift: {_text(record.message)}"
    return f"baseline entry expired: {reason(accepted or FALLBACK)}: {_text(record.message)}"


def _suite(root: ET.Element, entry: ProviderResult, generated_at: str) -> None:
    suite = ET.SubElement(root, "testsuite", name=entry.provider, timestamp=generated_at,
                          time=f"{entry.duration_seconds:.3f}")  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    facts = {"status": entry.status, "target": entry.target, "base_url": entry.base_url, "spec": entry.spec,
             "seed": entry.seed, "requests": entry.requests, "creates": entry.creates,
             "retried_faults": entry.retried_faults}  # fmt: skip
    for name, value in facts.items():
        ET.SubElement(properties, "property", name=name, value=str(value))
    ET.SubElement(properties, "property", name="baseline_file", value=str(entry.baseline.file or ""))
    if entry.drift:
        ET.SubElement(properties, "property", name="impact", value=impact_counts(entry))
    if entry.stopped is not None:
        ET.SubElement(properties, "property", name="stopped", value=str(entry.stopped.reason))
    outcomes = {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    verdict = entry.verdict()
    text = _text(verdict.text)
    run = ET.SubElement(suite, "testcase", name="run", classname=entry.provider, time=suite.get("time", "0"))
    if entry.status is Status.SKIPPED:
        ET.SubElement(run, "skipped", message=text)
        outcomes["skipped"] += 1
    elif entry.status in (Status.UNAVAILABLE, Status.ERROR):
        ET.SubElement(run, "error", message=text, type=str(entry.status)).text = text
        outcomes["errors"] += 1
    stop = stop_line(entry)
    out = [f"{verdict.word}: {text}", provider_facts(entry), *([_text(stop)] if stop else [])]
    ET.SubElement(run, "system-out").text = "\n".join(out + [_text(note) for note in entry.notes])
    found: dict[str, list[DriftRecord]] = {}
    for record in entry.drift:
        found.setdefault(record.check, []).append(record)
    checks = list(entry.checks)
    # A record whose check is not in the plan (a report from another version) still gets a test case.
    planned = {check.name for check in checks}
    checks += [CheckResult(name, rs[0].layer, True, 0) for name, rs in found.items() if name not in planned]
    accepted = matched(entry)
    for check in checks:
        outcome = _case(suite, f"{entry.provider}.{check.layer}", check, found.get(check.name, []), accepted)
        outcomes["tests"] += 1
        outcomes["failures"] += outcome == "failure"
        outcomes["skipped"] += outcome == "skipped"
    stale = entry.baseline.no_longer_observed
    if stale:
        lines = [f"no longer observed: {s.fingerprint} {s.kind} at {s.location or '-'}: {reason(s)}" for s in stale]
        ET.SubElement(suite, "system-out").text = "\n".join(lines)
    for name, value in outcomes.items():
        suite.set(name, str(value))


def render_junit(report: RunReport) -> str:
    """The whole junit.xml."""
    root = ET.Element("testsuites", name="cancel-contracts")
    for entry in report.providers:
        _suite(root, entry, report.generated_at)
    totals = {
        name: sum(int(suite.get(name, "0")) for suite in root) for name in ("tests", "failures", "errors", "skipped")
    }
    for name, value in totals.items():
        root.set(name, str(value))
    _xml_safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_safe(root: ET.Element) -> None:
    """Every text and attribute value of the tree without the characters XML 1.0 forbids (a CI upload would fail)."""
    for element in root.iter():
        if element.text:
            element.text = escape.xml(element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = escape.xml(value)

"""junit.xml: a test suite per provider and a test case per drift, so CI test views list every drift.

Records do not carry the scenario or check that found them, so each drift is its own test case, named by its
kind, location and status and classed by provider, layer and operation (`mka1.scenario.cancelResponse`).
New or expired error drift fails; known drift is skipped with its baseline reason; warnings pass with the
details in system-out. One more case per provider, `run`, passes, or is skipped or errored when the provider
was skipped or unavailable.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from contracts.report.view import failing, location, provider_facts, verdict


def case_name(record: dict[str, Any]) -> str:
    """The test case name of a drift record."""
    return f"{record['kind']} at {location(record)} ({record['status_code']})"


def details(record: dict[str, Any], accepted: dict[str, Any] | None) -> str:
    """The full text of a drift: message, values, baseline and the repro."""
    lines = [
        f"{record['message']}",
        f"operation: {record['operation']} {record['method']} {record['path']} -> {record['status_code']}",
        f"location: {location(record)}",
        f"expected: {record['expected']}",
        f"actual: {record['actual']}",
        f"basis: {record['basis']}; severity: {record['severity']}; seen {record['occurrences']} times",
        f"baseline: {record['baseline']}" + (f" ({reason(accepted)})" if accepted else ""),
        f"schema: {record['schema_location']}",
        f"fingerprint: {record['fingerprint']}",
        f"reproduce: {record['reproduce']}",
    ]
    return "\n".join(lines)


def reason(entry: dict[str, Any]) -> str:
    """A baseline entry's reason, link and expiry on one line."""
    text = " ".join(str(entry["reason"]).split())
    if entry.get("link"):
        text += f" <{entry['link']}>"
    if entry.get("expires"):
        text += f"; expires {entry['expires']}"
    return text


def _case(suite: ET.Element, record: dict[str, Any], accepted: dict[str, Any] | None) -> str:
    classname = f"{record['provider']}.{record['layer']}.{record['operation']}"
    case = ET.SubElement(suite, "testcase", name=case_name(record), classname=classname, time="0")
    properties = ET.SubElement(case, "properties")
    for name in ("fingerprint", "kind", "severity", "basis", "baseline", "occurrences"):
        ET.SubElement(properties, "property", name=name, value=str(record[name]))
    text = details(record, accepted)
    if failing(record):
        why = "new error drift" if record["baseline"] == "new" else f"baseline entry expired: {reason(accepted or {})}"
        ET.SubElement(case, "failure", message=f"{why}: {record['message']}", type=record["kind"]).text = text
        return "failure"
    if record["baseline"] == "known":
        ET.SubElement(case, "skipped", message=f"known drift: {reason(accepted or {'reason': 'in the baseline'})}")
        ET.SubElement(case, "system-out").text = text
        return "skipped"
    ET.SubElement(case, "system-out").text = text
    return "passed"


def _suite(root: ET.Element, entry: dict[str, Any], generated_at: str) -> None:
    suite = ET.SubElement(root, "testsuite", name=entry["provider"], timestamp=generated_at,
                          time=f"{entry['duration_seconds']:.3f}")  # fmt: skip
    properties = ET.SubElement(suite, "properties")
    for name in ("status", "target", "base_url", "spec", "seed", "requests", "creates", "retried_faults"):
        ET.SubElement(properties, "property", name=name, value=str(entry[name]))
    ET.SubElement(properties, "property", name="baseline_file", value=str(entry["baseline"]["file"] or ""))
    outcomes = {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    word, text = verdict(entry)
    run = ET.SubElement(suite, "testcase", name="run", classname=entry["provider"], time=suite.get("time", "0"))
    if entry["status"] == "skipped":
        ET.SubElement(run, "skipped", message=text)
        outcomes["skipped"] += 1
    elif entry["status"] == "unavailable":
        ET.SubElement(run, "error", message=text, type="unavailable").text = text
        outcomes["errors"] += 1
    ET.SubElement(run, "system-out").text = "\n".join([f"{word}: {text}", provider_facts(entry), *entry["notes"]])
    reasons = {item["fingerprint"]: item for item in entry["baseline"].get("matched", [])}
    for record in entry["drift"]:
        outcome = _case(suite, record, reasons.get(record["fingerprint"]))
        outcomes["tests"] += 1
        outcomes["failures"] += outcome == "failure"
        outcomes["skipped"] += outcome == "skipped"
    stale = entry["baseline"]["no_longer_observed"]
    if stale:
        lines = [
            f"no longer observed: {s['fingerprint']} {s['kind']} at {s['location'] or '-'}: {reason(s)}" for s in stale
        ]
        ET.SubElement(suite, "system-out").text = "\n".join(lines)
    for name, value in outcomes.items():
        suite.set(name, str(value))


def render_junit(report: dict[str, Any]) -> str:
    """The whole junit.xml."""
    root = ET.Element("testsuites", name="cancel-contracts")
    for entry in report["providers"]:
        _suite(root, entry, report["generated_at"])
    totals = {
        name: sum(int(suite.get(name, "0")) for suite in root) for name in ("tests", "failures", "errors", "skipped")
    }
    for name, value in totals.items():
        root.set(name, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

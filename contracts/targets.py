"""Build a provider's run for a target (in-process fake or live endpoint), and assemble the typed report at the end."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import httpx

from contracts import __version__
from contracts.checks import Check, enabled
from contracts.client import Client, Limits
from contracts.engine import planned_checks
from contracts.errors import ConfigError, SpecError
from contracts.impact import Impacts
from contracts.model import CheckResult, ProviderResult, RunReport, Status, StopReason, Target
from contracts.providers import LiveConfig, Profile, get
from contracts.redact import redact_record
from contracts.run import ProviderRun
from contracts.settings import Settings, checked_base_url
from contracts.specs import OPERATION_IDS, Spec, load_spec

MOCK_SECONDS_PER_REQUEST = 1.0


def _env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    # httpx would reject such a header value with the value in its message, so refuse it here without echoing it.
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ConfigError(f"{name} contains whitespace or control characters", f"set {name} to the bare value")
    return value


def live_config(profile: Profile, settings: Settings, default_base_url: str) -> LiveConfig | str:
    """The live configuration, or the one-line reason it is missing (the name of the variable to set)."""
    variable = profile.base_url_env
    from_env = _env(variable)
    base = settings.base_url or (checked_base_url(from_env, variable) if from_env else default_base_url)
    return profile.live_config(_env, base)


def _live(profile: Profile, settings: Settings, default_base_url: str) -> LiveConfig | str:
    found = live_config(profile, settings, default_base_url)
    if isinstance(found, str) and settings.require_live:
        raise ConfigError(f"{profile.name}: {found}", "set it, or drop --require-live to skip this provider")
    return found


def live_limits(settings: Settings, deadline: float) -> Limits:
    """A live run's limits: the budgets, retries with backoff, a per-request timeout and the run deadline."""
    return Limits(
        requests=settings.budget,
        creates=settings.create_budget,
        retries=settings.retries,
        timeout=settings.request_timeout,
        deadline=deadline,
        backoff=settings.backoff,
        max_backoff=settings.max_backoff,
        max_body_bytes=settings.max_body_bytes,
    )


def preflight(settings: Settings) -> None:
    """Fail before pytest starts on what would otherwise fail inside it: drift names, specs, baselines, live setup."""
    from contracts.baseline import load_baseline

    check_drift_names(settings)
    for provider in settings.providers:
        if settings.baseline_dir is not None:
            load_baseline(settings.baseline_dir, provider)
        spec = load_spec(provider, settings.spec_dir)
        missing = [operation for operation in OPERATION_IDS if operation not in spec.operations]
        if missing:
            raise SpecError(
                f"spec file {spec.path} has no operation {', '.join(missing)}",
                "the suite drives these operationIds; restore them",
            )
        if not spec.document.get("servers"):
            raise SpecError(f"spec file {spec.path} has no servers entry", "add the vendor's base URL as servers[0]")
        if settings.target == "live":
            _live(get(provider), settings, spec.base_url)
    # Last, so that input refused above leaves no empty report folder behind.
    for option, folder in (("--history", settings.history), ("--report-dir", settings.report_dir)):
        if folder is not None:
            writable_dir(option, folder)


def writable_dir(option: str, folder: Path) -> None:
    """Create an output folder up front, so a bad path fails in one line before any request is sent."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".contracts-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{option} {folder} is not a writable folder ({exc.strerror})", "pass a folder you can write to"
        ) from None


def check_drift_names(settings: Settings) -> None:
    """Every `--drift` name must exist in the catalogue of at least one selected provider."""
    if not settings.drift:
        return
    from contracts.fakes import load_catalogue

    known = {entry.name for provider in settings.providers for entry in load_catalogue(provider)}
    unknown = [name for name in settings.drift if name not in known]
    if unknown:
        raise ConfigError(
            f"unknown drift {', '.join(unknown)} for {', '.join(settings.providers)}",
            "list the catalogue with `contracts mock --list-drift`",
        )


def build_run(provider: str, settings: Settings) -> ProviderRun:
    """A ready-to-use run for one provider on the chosen target, recording its exchanges when asked to."""
    run = _build_run(provider, settings)
    if settings.record_dir is not None and run.status is not Status.SKIPPED:
        from contracts.traffic.replay import RECORDED_OPTIONS, Recorder, recording

        # The options that decide which requests are sent, under the names a replay reads them back by.
        extra = {field: getattr(settings, name) for name, field in RECORDED_OPTIONS.items()}
        extra |= {"target": settings.target, "baseUrl": run.client.base_url}
        run.client.on_attempt = Recorder(recording(settings.record_dir, provider), run.secrets, extra)
    return run


def _build_run(provider: str, settings: Settings) -> ProviderRun:
    profile = get(provider)
    spec = load_spec(provider, settings.spec_dir)
    create_path = spec.operation("createResponse").path
    deadline = (settings.started or time.monotonic()) + settings.deadline
    active = enabled(settings.exclude_checks)
    if settings.target == "mock":
        from contracts.fakes import ManualClock, load_catalogue, make_fake

        check_drift_names(settings)
        mine = {entry.name for entry in load_catalogue(provider)}
        drift = tuple(name for name in settings.drift if name in mine)
        # A fixed clock keeps bodies, and so the whole run, identical for a given seed.
        clock = ManualClock()
        fake = make_fake(provider, drift=drift, seed=settings.seed, clock=clock, spec_dir=settings.spec_dir)

        def tick(request: httpx.Request) -> httpx.Response:
            # Time moves one second per request, so responses pass through queued and in_progress as on a
            # real vendor, while the run stays the same for a given seed.
            clock.advance(MOCK_SECONDS_PER_REQUEST)
            return fake.handle(request)

        limits = Limits(
            settings.budget, settings.create_budget, deadline=deadline, max_body_bytes=settings.max_body_bytes
        )
        credentials = profile.mock_credentials(fake.api_key)
        client = Client(fake.base_url, credentials, limits, httpx.MockTransport(tick), create_path)
        secrets: tuple[str, ...] = (fake.api_key,) if os.environ.get(profile.key_env) else ()
        run = ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples,
                          profile.create_body(profile.mock_model), secrets, active)  # fmt: skip
        run.injected = drift
        return with_impacts(run, settings)
    if settings.target == "replay":
        return with_impacts(_replay_run(provider, settings, spec, deadline, active), settings)
    found = _live(profile, settings, spec.base_url)
    if isinstance(found, str):
        return _skipped(provider, spec, settings, found)
    client = Client(found.base_url, found.credentials, live_limits(settings, deadline), None, create_path,
                    secrets=found.secrets)  # fmt: skip
    run = ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples,
                      profile.create_body(found.model), found.secrets, active)  # fmt: skip
    return with_impacts(run, settings)


def with_impacts(run: ProviderRun, settings: Settings) -> ProviderRun:
    """The run with its impact judge; a missing SDK is said once, in the provider's notes, not on every record."""
    if not settings.judge_impact:
        return run
    run.impacts = Impacts(run.provider, run.spec, settings.consumers, settings.fail_on, run.secrets)
    missing = run.impacts.missing()
    if missing is not None:
        run.note(missing)
    if settings.target == "live":
        # A live run's deadline must not pay the SDK's start-up after its last request; a fake has no such clock
        # to beat, and a clean run then never loads the SDK at all.
        run.impacts.warm()
    return run


def _skipped(provider: str, spec: Spec, settings: Settings, reason: str) -> ProviderRun:
    """A run that sends nothing, and says why (no live credentials, no recording)."""
    client = Client(spec.base_url, get(provider).mock_credentials(""))
    run = ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples, {})
    run.skip(reason)
    return run


def _replay_run(
    provider: str, settings: Settings, spec: Spec, deadline: float, active: tuple[Check, ...]
) -> ProviderRun:
    """A run answered from a recording: the live limits (so it stops where the live run stopped), no waiting."""
    from contracts.traffic.replay import replay_source

    assert settings.replay_dir is not None
    profile, source = get(provider), replay_source(settings.replay_dir, provider)
    if isinstance(source, str):
        return _skipped(provider, spec, settings, source)
    transport, base_url = source
    create_path = spec.operation("createResponse").path
    client = Client(base_url, profile.mock_credentials("replay"), live_limits(settings, deadline), transport,
                    create_path, sleep=lambda seconds: None)  # fmt: skip
    return ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples,
                       profile.create_body(profile.mock_model), (), active)  # fmt: skip


def checks_report(run: ProviderRun) -> tuple[CheckResult, ...]:
    """Every planned step with the requests it sent; one that never started or was cut short did not run."""
    if run.target == Target.TRAFFIC:  # recorded traffic has no planned steps: one check per file judged
        return tuple(run.checks)
    done = {check.name: check for check in run.checks}
    return tuple(done.get(name, CheckResult(name, layer, False, 0)) for name, layer in planned_checks())


def provider_result(run: ProviderRun) -> ProviderResult:
    """One provider's typed result: run metadata, notes, what was observed and every drift record."""
    run.finished = run.finished or time.monotonic()
    records = sorted(run.records.values(), key=lambda r: (r.operation, r.status_code, r.kind, r.location))
    status = run.status
    if status is Status.OK and run.stopped is not None and run.stopped.reason is StopReason.DEADLINE:
        # The deadline cut the run short: what was judged is kept, but the checks left unrun prove nothing.
        status = Status.UNAVAILABLE
    if status is Status.OK and records:
        status = Status.DRIFT if any(r.severity == "error" for r in records) else Status.OK
    return ProviderResult(
        provider=run.provider,
        status=status,
        target=Target(run.target),
        base_url=run.client.base_url,
        spec=run.spec.display_path,
        seed=run.seed,
        requests=run.client.requests,
        creates=run.client.creates,
        retried_faults=run.client.retried,
        duration_seconds=round(run.duration, 3),
        drift_injected=run.injected,
        notes=tuple(run.redact(note) for note in run.notes),
        stopped=run.stopped,
        checks=checks_report(run),
        observed=run.observed.values(),
        # Last line of defence: no string a vendor sent, or we wrote, reaches a report with a key in it.
        drift=tuple(redact_record(record, run.secrets) for record in records),
        coverage=run.coverage.coverage(),
    )


def finish_report(settings: Settings, runs: dict[str, ProviderRun]) -> RunReport:
    """The whole typed report, baselines applied; written to the report dir when one is set."""
    for run in runs.values():
        run.client.close()
        close = getattr(run.client.on_attempt, "close", None)
        if close is not None:  # a recorder: the HAR file is written whole, once the run is over
            close()
    report = RunReport(
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=Target(settings.target),
        seed=settings.seed,
        providers=tuple(provider_result(runs[name]) for name in settings.providers if name in runs),
    )
    from contracts.baseline import annotate_report

    report = annotate_report(report, settings.baseline_dir)
    if settings.report_dir is not None:
        from contracts.report import write_reports

        write_reports(report, settings)
    return report

"""Build a provider's run for a target (in-process fake or live endpoint), and assemble the report at the end."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contracts import __version__
from contracts.client import TUNING_ENV, Client, Credentials, Limits
from contracts.engine import planned_checks
from contracts.errors import ConfigError, SpecError
from contracts.model import BaselineUse, ProviderResult, RunReport, StopReason, Target
from contracts.redact import redact_tree
from contracts.run import ProviderRun
from contracts.settings import Settings, checked_base_url
from contracts.specs import OPERATION_IDS, load_spec

MKA1_DEFAULT_MODEL = "meetkai:functionary-urdu-mini-pak"
MOCK_YANDEX_MODEL = "gpt://b1gfakefolder0000000/yandexgpt-lite/latest"
# Cheap to bill, yet asks for enough output that a cancel can land while the response is in progress.
CREATE_PROMPT = "List the numbers from 1 to 400 in words, one per line."
MAX_OUTPUT_TOKENS = 512
MOCK_SECONDS_PER_REQUEST = 1.0
# A background response must be stored to be retrieved or cancelled later, on both vendors.
STORE = {"yandex": True, "mka1": True}
# Every variable live mode reads, per provider; nothing else configures it.
LIVE_ENV = {
    "yandex": ("YANDEX_API_KEY", "YANDEX_IAM_TOKEN", "YANDEX_FOLDER_ID", "YANDEX_BASE_URL", "YANDEX_MODEL"),
    "mka1": ("MKA1_API_KEY", "MKA1_ON_BEHALF_OF", "MKA1_BASE_URL", "MKA1_MODEL"),
}
LIVE_RETRIES = 4
LIVE_TIMEOUT = 30.0


@dataclass(frozen=True)
class LiveConfig:
    """A provider's live credentials and endpoint, read only from the environment."""

    base_url: str
    credentials: Credentials
    model: str
    secrets: tuple[str, ...]


def _env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    # httpx would reject such a header value with the value in its message, so refuse it here without echoing it.
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ConfigError(f"{name} contains whitespace or control characters", f"set {name} to the bare value")
    return value


def live_config(provider: str, settings: Settings, default_base_url: str) -> LiveConfig | str:
    """The live configuration, or the one-line reason it is missing (the name of the variable to set)."""
    variable = f"{provider.upper()}_BASE_URL"
    from_env = _env(variable)
    base = settings.base_url or (checked_base_url(from_env, variable) if from_env else default_base_url)
    if provider == "yandex":
        key, iam, folder = _env("YANDEX_API_KEY"), _env("YANDEX_IAM_TOKEN"), _env("YANDEX_FOLDER_ID")
        model = _env("YANDEX_MODEL") or (f"gpt://{folder}/yandexgpt-lite/latest" if folder else "")
        if not (key or iam):
            return "YANDEX_API_KEY (or YANDEX_IAM_TOKEN) is not set"
        if not model:
            return "YANDEX_FOLDER_ID is not set (needed for the model URI)"
        scheme, name, secret = ("Api-Key", "YANDEX_API_KEY", key) if key else ("Bearer", "YANDEX_IAM_TOKEN", iam)
        credentials = Credentials(
            headers={"Authorization": f"{scheme} {secret}"},
            placeholders={"authorization": f"{scheme} ${name}"},
            wrong={"Authorization": f"{scheme} not-a-real-key-0000"},
        )
        return LiveConfig(base, credentials, model, (secret,))
    key = _env("MKA1_API_KEY")
    if not key:
        return "MKA1_API_KEY is not set"
    headers = {"Authorization": f"Bearer {key}"}
    placeholders = {"authorization": "Bearer $MKA1_API_KEY"}
    on_behalf_of = _env("MKA1_ON_BEHALF_OF")
    if on_behalf_of:
        headers["X-On-Behalf-Of"] = on_behalf_of
        placeholders["x-on-behalf-of"] = "$MKA1_ON_BEHALF_OF"
    credentials = Credentials(headers, placeholders, {"Authorization": "Bearer not-a-real-key-0000"})
    model = _env("MKA1_MODEL") or MKA1_DEFAULT_MODEL
    return LiveConfig(base, credentials, model, tuple(s for s in (key, on_behalf_of) if s))


def _live(provider: str, settings: Settings, default_base_url: str) -> LiveConfig | str:
    found = live_config(provider, settings, default_base_url)
    if isinstance(found, str) and settings.require_live:
        raise ConfigError(f"{provider}: {found}", "set it, or drop --require-live to skip this provider")
    return found


def live_limits(settings: Settings, deadline: float) -> Limits:
    """A live run's limits: the budgets, retries with backoff, a per-request timeout and the run deadline."""
    limits = Limits(settings.budget, settings.create_budget, LIVE_RETRIES, LIVE_TIMEOUT, deadline)
    return limits.tuned(os.environ.get(TUNING_ENV, ""))


def preflight(settings: Settings) -> None:
    """Fail before pytest starts on what would otherwise fail inside it: drift names, specs, baselines, live setup."""
    from contracts.baseline import load_baseline

    check_drift_names(settings)
    for provider in settings.providers:
        if settings.baseline_dir is not None:
            load_baseline(settings.baseline_dir, provider)
        spec = load_spec(provider)
        missing = [operation for operation in OPERATION_IDS if operation not in spec.operations]
        if missing:
            raise SpecError(
                f"spec file {spec.path} has no operation {', '.join(missing)}",
                "the suite drives these operationIds; restore them",
            )
        if not spec.document.get("servers"):
            raise SpecError(f"spec file {spec.path} has no servers entry", "add the vendor's base URL as servers[0]")
        if settings.target == "live":
            _live(provider, settings, spec.base_url)
    if settings.target == "live":
        live_limits(settings, 0.0)
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


def mock_credentials(provider: str, key: str) -> Credentials:
    """The headers a fake accepts, shown in repros as the same placeholders as live runs."""
    if provider == "yandex":
        return Credentials({"Authorization": f"Api-Key {key}"}, {"authorization": "Api-Key $YANDEX_API_KEY"},
                           {"Authorization": "Api-Key not-a-real-key-0000"})  # fmt: skip
    return Credentials({"Authorization": f"Bearer {key}"}, {"authorization": "Bearer $MKA1_API_KEY"},
                       {"Authorization": "Bearer not-a-real-key-0000"})  # fmt: skip


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
    """A ready-to-use run for one provider on the chosen target."""
    spec = load_spec(provider)
    create_path = spec.operation("createResponse").path
    deadline = (settings.started or time.monotonic()) + settings.deadline
    limits = Limits(requests=settings.budget, creates=settings.create_budget, deadline=deadline)
    drift: tuple[str, ...] = ()
    if settings.target == "mock":
        from contracts.fakes import ManualClock, load_catalogue, make_fake

        check_drift_names(settings)
        mine = {entry.name for entry in load_catalogue(provider)}
        # A fixed clock keeps bodies, and so the whole run, identical for a given seed.
        drift = tuple(name for name in settings.drift if name in mine)
        clock = ManualClock()
        fake = make_fake(provider, drift=drift, seed=settings.seed, clock=clock)

        def tick(request: httpx.Request) -> httpx.Response:
            # Time moves one second per request, so responses pass through queued and in_progress as on a
            # real vendor, while the run stays the same for a given seed.
            clock.advance(MOCK_SECONDS_PER_REQUEST)
            return fake.handle(request)

        transport = httpx.MockTransport(tick)
        client = Client(fake.base_url, mock_credentials(provider, fake.api_key), limits, transport, create_path)
        model = MOCK_YANDEX_MODEL if provider == "yandex" else MKA1_DEFAULT_MODEL
        secrets: tuple[str, ...] = (fake.api_key,) if os.environ.get(f"{provider.upper()}_API_KEY") else ()
    else:
        found = _live(provider, settings, spec.base_url)
        if isinstance(found, str):
            run = ProviderRun(provider, spec, Client(spec.base_url, mock_credentials(provider, "")), "live",
                              settings.seed, settings.max_examples, {})  # fmt: skip
            run.status = "skipped"
            run.note(f"skipped: {found}")
            return run
        client = Client(found.base_url, found.credentials, live_limits(settings, deadline), None, create_path,
                        secrets=found.secrets)  # fmt: skip
        model, secrets = found.model, found.secrets
    create_body = {"model": model, "input": CREATE_PROMPT, "max_output_tokens": MAX_OUTPUT_TOKENS}
    create_body["store"] = STORE[provider]
    run = ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples, create_body,
                      secrets)  # fmt: skip
    run.injected = drift if settings.target == "mock" else ()
    return run


def checks_report(run: ProviderRun) -> list[dict[str, Any]]:
    """Every planned check with the requests it sent; one that never started or was cut short has `ran: false`."""
    done = {check["name"]: check for check in run.checks}
    return [
        done.get(name, {"name": name, "layer": layer, "ran": False, "requests": 0}) for name, layer in planned_checks()
    ]


def stopped(run: ProviderRun) -> dict[str, str] | None:
    """Why the run stopped sending early, as drift.json's `stopped` field (None when it did not)."""
    if run.status == "skipped":
        return {"reason": StopReason.SKIPPED, "detail": run.notes[-1].removeprefix("skipped: ")}
    if run.stopped is None:
        return None
    if run.status == "unavailable":
        return {"reason": StopReason.UNAVAILABLE, "detail": run.stopped.removeprefix("unavailable: ")}
    return {"reason": StopReason.DEADLINE, "detail": run.stopped}


def provider_report(run: ProviderRun) -> ProviderResult:
    """One provider's entry in drift.json: run metadata, notes, what was observed and every drift record."""
    run.finished = run.finished or time.monotonic()
    records = sorted(run.records.values(), key=lambda r: (r.operation, r.status_code, r.kind, r.location))
    errors = sum(1 for r in records if r.severity == "error")
    status = run.status if run.status in {"skipped", "unavailable"} else ("drift" if errors else "ok")
    entry = {
        "provider": run.provider,
        "status": status,
        "target": run.target,
        "base_url": run.client.base_url,
        "spec": run.spec.display_path,
        "seed": run.seed,
        "requests": run.client.requests,
        "creates": run.client.creates,
        "retried_faults": run.client.retried,
        "duration_seconds": round(run.duration, 3),
        "drift_injected": list(run.injected),
        "notes": list(run.notes),
        "stopped": stopped(run),
        "checks": checks_report(run),
        "observed": run.observed.to_dict(),
        "drift": [record.to_dict() for record in records],
        "baseline": BaselineUse().to_dict(),
    }
    # Last line of defence: no string a vendor sent, or we wrote, reaches a report with a key in it.
    return ProviderResult.from_dict(dict(redact_tree(entry, run.secrets)))


def finish_report(settings: Settings, runs: dict[str, ProviderRun]) -> RunReport:
    """The whole run document, marked against the baselines; written to the report dir when one is set."""
    for run in runs.values():
        run.client.close()
    report = RunReport(
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=Target(settings.target),
        seed=settings.seed,
        providers=tuple(provider_report(runs[name]) for name in settings.providers if name in runs),
    )
    from contracts.baseline import annotate_report

    report = annotate_report(report, settings.baseline_dir)
    if settings.report_dir is not None:
        from contracts.report import write_reports

        write_reports(report, settings)
    return report

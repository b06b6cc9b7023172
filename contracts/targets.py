"""Build a provider's run for a target (in-process fake or live endpoint), and assemble the report at the end."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from contracts import __version__
from contracts.client import Client, Credentials, Limits
from contracts.errors import ConfigError
from contracts.run import ProviderRun
from contracts.settings import Settings
from contracts.specs import load_spec

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
MKA1_DEFAULT_MODEL = "meetkai:functionary-urdu-mini-pak"
# Cheap to bill, yet asks for enough output that a cancel can land while the response is in progress.
CREATE_PROMPT = "List the numbers from 1 to 400 in words, one per line."
MAX_OUTPUT_TOKENS = 512


@dataclass(frozen=True)
class LiveConfig:
    """A provider's live credentials and endpoint, read only from the environment."""

    base_url: str
    credentials: Credentials
    model: str
    secrets: tuple[str, ...]


def live_config(provider: str, settings: Settings, default_base_url: str) -> LiveConfig | str:
    """The live configuration, or the one-line reason it is missing (the name of the variable to set)."""
    env = os.environ
    if provider == "yandex":
        key, iam = env.get("YANDEX_API_KEY", ""), env.get("YANDEX_IAM_TOKEN", "")
        folder = env.get("YANDEX_FOLDER_ID", "")
        if not (key or iam):
            return "YANDEX_API_KEY (or YANDEX_IAM_TOKEN) is not set"
        if not folder and not env.get("YANDEX_MODEL"):
            return "YANDEX_FOLDER_ID is not set (needed for the model URI)"
        scheme, variable, secret = ("Api-Key", "YANDEX_API_KEY", key) if key else ("Bearer", "YANDEX_IAM_TOKEN", iam)
        credentials = Credentials(
            headers={"Authorization": f"{scheme} {secret}"},
            placeholders={"authorization": f"{scheme} ${variable}"},
            wrong={"Authorization": f"{scheme} not-a-real-key-0000"},
        )
        model = env.get("YANDEX_MODEL") or f"gpt://{folder}/yandexgpt-lite/latest"
        base = settings.base_url or env.get("YANDEX_BASE_URL") or default_base_url
        return LiveConfig(_checked_url(base), credentials, model, (secret,))
    key = env.get("MKA1_API_KEY", "")
    if not key:
        return "MKA1_API_KEY is not set"
    headers = {"Authorization": f"Bearer {key}"}
    placeholders = {"authorization": "Bearer $MKA1_API_KEY"}
    on_behalf_of = env.get("MKA1_ON_BEHALF_OF", "")
    if on_behalf_of:
        headers["X-On-Behalf-Of"] = on_behalf_of
        placeholders["x-on-behalf-of"] = "$MKA1_ON_BEHALF_OF"
    credentials = Credentials(headers, placeholders, {"Authorization": "Bearer not-a-real-key-0000"})
    base = settings.base_url or env.get("MKA1_BASE_URL") or default_base_url
    model = env.get("MKA1_MODEL") or MKA1_DEFAULT_MODEL
    return LiveConfig(_checked_url(base), credentials, model, tuple(s for s in (key, on_behalf_of) if s))


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"base URL {url!r} is not an http(s) URL", "pass e.g. --base-url https://host/v1")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"plain http:// is allowed only for loopback hosts, got {url}", "use https:// for remote hosts")
    return url.rstrip("/")


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
    deadline = time.monotonic() + settings.deadline
    limits = Limits(requests=settings.budget, creates=settings.create_budget, deadline=deadline)
    if settings.target == "mock":
        from contracts.fakes import ManualClock, load_catalogue, make_fake

        check_drift_names(settings)
        mine = {entry.name for entry in load_catalogue(provider)}
        # A fixed clock keeps bodies, and so the whole run, identical for a given seed.
        drift = tuple(name for name in settings.drift if name in mine)
        fake = make_fake(provider, drift=drift, seed=settings.seed, clock=ManualClock())
        client = Client(fake.base_url, mock_credentials(provider, fake.api_key), limits, fake.transport(), create_path)
        model = f"gpt://{'b1gfakefolder0000000'}/yandexgpt-lite/latest" if provider == "yandex" else MKA1_DEFAULT_MODEL
        secrets: tuple[str, ...] = (fake.api_key,) if os.environ.get(f"{provider.upper()}_API_KEY") else ()
    else:
        found = live_config(provider, settings, spec.base_url)
        if isinstance(found, str):
            if settings.require_live:
                raise ConfigError(f"{provider}: {found}", "set it, or drop --require-live to skip this provider")
            run = ProviderRun(provider, spec, Client(spec.base_url, mock_credentials(provider, "")), "live",
                              settings.seed, settings.max_examples, {})  # fmt: skip
            run.status = "skipped"
            run.note(f"skipped: {found}")
            return run
        limits = Limits(settings.budget, settings.create_budget, retries=4, timeout=30.0, deadline=deadline)
        client = Client(found.base_url, found.credentials, limits, None, create_path)
        model, secrets = found.model, found.secrets
    create_body = {"model": model, "input": CREATE_PROMPT, "max_output_tokens": MAX_OUTPUT_TOKENS, "store": True}
    return ProviderRun(provider, spec, client, settings.target, settings.seed, settings.max_examples, create_body,
                       secrets)  # fmt: skip


def provider_report(run: ProviderRun, settings: Settings) -> dict[str, Any]:
    """One provider's entry in drift.json: run metadata, notes, what was observed and every drift record."""
    run.finished = run.finished or time.monotonic()
    records = sorted(run.records.values(), key=lambda r: (r.operation, r.status_code, r.kind, r.location))
    errors = sum(1 for r in records if r.severity == "error")
    status = run.status if run.status in {"skipped", "unavailable"} else ("drift" if errors else "ok")
    return {
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
        "drift_injected": list(settings.drift) if run.target == "mock" else [],
        "counts": run.counts(),
        "notes": list(run.notes),
        "observed": run.observed.to_dict(),
        "drift": [record.to_dict() for record in records],
    }


def finish_report(settings: Settings, runs: dict[str, ProviderRun]) -> dict[str, Any]:
    """The whole drift.json document; written to the report dir when one is set."""
    for run in runs.values():
        run.client.close()
    report = {
        "schema_version": 1,
        "tool": {"name": "cancel-contracts", "version": __version__},
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "target": settings.target,
        "seed": settings.seed,
        "providers": [provider_report(runs[name], settings) for name in settings.providers if name in runs],
    }
    if settings.report_dir is not None:
        from contracts.report import write_reports

        write_reports(report, settings)
    return report

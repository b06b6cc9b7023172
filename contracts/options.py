"""The one declaration of the contract run's options, rendered both as argparse arguments and as pytest options.

Every value arrives as text (or a list of texts, or a flag) and is validated once, by
`settings.settings_from_options`, whichever front it came through.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from contracts.providers import names


@dataclass(frozen=True)
class Option:
    """One option of the contract run."""

    flag: str
    help: str
    default: Any = None
    metavar: str | None = None
    kind: str = "value"  # `value`, `repeat` (may be given many times) or `switch` (on when present)
    # Options about how `contracts check` prints are not pytest options: a generic name such as `--format`
    # would collide with other plugins in any project that has this package installed.
    pytest: bool = True

    @property
    def dest(self) -> str:
        """The settings key: `--max-examples` is `max_examples`."""
        return self.flag[2:].replace("-", "_")

    def as_argv(self, value: Any) -> list[str]:
        """The command-line words that pass `value` on (none for an unset value)."""
        if self.kind == "switch":
            return [self.flag] if value else []
        if self.kind == "repeat":
            return [word for item in value or () for word in (self.flag, str(item))]
        return [] if value is None else [self.flag, str(value)]

    def argparse_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `add_argument`/`addoption` (pytest's parser takes argparse's)."""
        if self.kind == "switch":
            return {"action": "store_true", "default": False, "help": self.help}
        if self.kind == "repeat":
            return {"action": "append", "default": [], "metavar": self.metavar, "help": self.help}
        return {"default": self.default, "metavar": self.metavar, "help": self.help}


def _providers_help() -> str:
    return f"{', '.join(names())}, a comma-separated list, or all (default: all)"


def check_options() -> tuple[Option, ...]:
    """The options of `contracts check` and of `pytest --provider ...`, in help order."""
    return (
        # No default value here: the pytest plugin runs the contract suite only when one of these two is given.
        Option("--provider", _providers_help(), None, "NAME"),
        Option("--target", "mock (in-process fakes, default), live, or replay (offline, --from DIR)", None, "TARGET"),
        Option("--base-url", "override the provider's base URL (live, one provider)", None, "URL"),
        Option("--spec-dir", "read <provider>/openapi.yaml from this folder instead of the shipped specs", None, "DIR"),
        Option("--report-dir", "where drift.json and its renderings go (default: reports)", "reports", "DIR"),
        Option("--seed", "hypothesis seed, any whole number (default: random, printed)", None, "N"),
        Option("--max-examples", "generated cases per operation and mode (default: 25)", None, "N"),
        Option("--budget", "request budget per provider (live default: 60)", None, "N"),
        Option("--create-budget", "billed creates per provider (live default: 3)", None, "N"),
        Option("--deadline", "seconds for the whole run (default: 600)", None, "SECONDS"),
        Option("--request-timeout", "seconds one live request may take (default: 30)", None, "SECONDS"),
        Option("--retries", "live retries of 429/502/503/504 and dropped connections (default: 4)", None, "N"),
        Option("--backoff", "first live retry wait in seconds, doubled each time (default: 0.5)", None, "SECONDS"),
        Option("--max-backoff", "longest live retry wait, Retry-After included (default: 30)", None, "SECONDS"),
        Option(
            "--max-body-bytes",
            "largest decoded answer body judged; more is cut and reported (default: 16 MiB)",
            None,
            "N",
        ),  # fmt: skip
        Option("--drift", "inject a catalogue drift (mock only; repeatable)", None, "NAME", "repeat"),
        Option(
            "--exclude-check", "switch off a registered check (repeatable; see --list-checks)", None, "NAME", "repeat"
        ),
        Option("--list-checks", "print the registered checks, one line each, and exit", kind="switch"),
        Option("--require-live", "missing live credentials are an error, not a skip", kind="switch"),
        Option(
            "--baseline-dir", "folder of <provider>.yaml known-drift baselines (default: baselines)", "baselines", "DIR"
        ),  # fmt: skip
        Option("--history", "append one compact JSON per run to this folder", None, "DIR"),
        Option(
            "--consumer",
            "fields one application reads (consumers/<name>.yaml); drift on them is breaks-consumer (repeatable)",
            None,
            "FILE",
            "repeat",
        ),  # fmt: skip
        Option(
            "--fail-on",
            "what fails the run: error (default: any new error drift), breaks-sdk or breaks-consumer",
            None,
            "RULE",
        ),  # fmt: skip
        Option("--record", "write every exchange as DIR/<provider>.har (HAR 1.2, credentials removed)", None, "DIR"),
        Option("--from", "the --record folder a --target replay run judges again", None, "DIR"),
        Option(
            "--format",
            "text, or github for workflow annotations at the spec line of each new drift"
            " (default: github when GITHUB_ACTIONS=true)",
            None,
            "FORMAT",
            pytest=False,
        ),
    )


def suite_options() -> tuple[Option, ...]:
    """The options the pytest plugin declares (and `contracts check` passes on to pytest)."""
    return tuple(option for option in check_options() if option.pytest)


def impact_options() -> tuple[Option, ...]:
    """`--consumer` and `--fail-on`: how client impact is judged, for every command that judges answers."""
    return _named("consumer", "fail_on")


def proxy_options() -> tuple[Option, ...]:
    """The run options `contracts proxy` shares: client impact, and the cap on the bytes of one answer it judges."""
    return _named("consumer", "fail_on", "max_body_bytes")


def _named(*dests: str) -> tuple[Option, ...]:
    return tuple(option for option in check_options() if option.dest in dests)


class _Adds(Protocol):
    def __call__(self, *names: str, **kwargs: Any) -> Any: ...


def add_arguments(add: _Adds, options: Iterable[Option], prefix: str = "") -> None:
    """Declare options through `parser.add_argument` or pytest's `group.addoption` (with `dest` prefixed)."""
    for option in options:
        add(option.flag, dest=prefix + option.dest, **option.argparse_kwargs())


def values(namespace: argparse.Namespace | Any, options: Iterable[Option], prefix: str = "") -> dict[str, Any]:
    """The raw values of the options, keyed by settings name, from an argparse namespace or pytest's config."""
    getter = getattr(namespace, "getoption", None)
    if getter is not None:
        return {option.dest: getter(prefix + option.dest) for option in options}
    return {option.dest: getattr(namespace, prefix + option.dest, option.default) for option in options}

"""Errors a user can fix, each rendered as one line that names the cause and the fix."""

from __future__ import annotations

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class ContractsError(Exception):
    """A problem with the user's input or environment; never shown as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix

    def __str__(self) -> str:
        return f"error: {self.cause}; {self.fix}"


class SpecError(ContractsError):
    """A spec file that is missing, unreadable or not valid OpenAPI 3.1."""


class ConfigError(ContractsError):
    """A bad option, environment variable or configuration file."""


class BaselineError(ContractsError):
    """A baseline file that cannot be read or does not follow its format."""

"""A provider profile: everything vendor-specific, in one place, that the engine, fakes and reports ask for."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from contracts.client import Credentials
from contracts.providers.bodies import JsonObject, Record, View, common_echo
from contracts.providers.sdk import SdkJudge

# Reads one live setting from the environment (already checked for stray whitespace); "" when unset.
Read = Callable[[str], str]
WRONG_KEY = "not-a-real-key-0000"
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


class Profile:
    """One vendor: where its spec and endpoint are, how it authenticates, and how its fake behaves and looks.

    A subclass per vendor lives in `contracts/providers/vendors/`; the registry finds it there by itself.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    colour: ClassVar[str]
    # The vendor's real base URL (the spec's servers[0]) and the path of the responses collection below the host.
    base_url: ClassVar[str]
    prefix: ClassVar[str]
    # The variable holding the API key, then every other variable live mode reads, in the order the docs list them.
    key_env: ClassVar[str]
    env: ClassVar[tuple[str, ...]]
    schemes: ClassVar[tuple[str, ...]] = ("bearer",)
    auth_hint: ClassVar[str]
    id_pattern: ClassVar[re.Pattern[str] | None] = None
    id_hint: ClassVar[str] = ""
    mock_model: ClassVar[str]
    # A background response must be stored to be retrieved or cancelled later.
    store: ClassVar[bool] = True
    # The official SDK the vendor's users parse answers with; None when there is none to judge by.
    sdk_judge: ClassVar[SdkJudge | None] = None

    @property
    def base_url_env(self) -> str:
        """The variable that overrides the base URL for live runs."""
        return f"{self.name.upper()}_BASE_URL"

    def mock_credentials(self, key: str) -> Credentials:
        """The headers a fake accepts, shown in repros as the same placeholders as live runs."""
        return Credentials(
            {"Authorization": f"Bearer {key}"},
            {"authorization": f"Bearer ${self.key_env}"},
            {"Authorization": f"Bearer {WRONG_KEY}"},
        )

    def live_config(self, read: Read, base_url: str) -> LiveConfig | str:
        """The live configuration, or the one-line reason it is missing (the name of the variable to set)."""
        key = read(self.key_env)
        if not key:
            return f"{self.key_env} is not set"
        model = read(f"{self.name.upper()}_MODEL") or self.mock_model
        return LiveConfig(base_url, self.mock_credentials(key), model, (key,))

    def create_body(self, model: str) -> JsonObject:
        """The create body the scenarios and the stateful layer start from."""
        return {"model": model, "input": CREATE_PROMPT, "max_output_tokens": MAX_OUTPUT_TOKENS, "store": self.store}

    def unknown_id(self, seed: int) -> str:
        """An id in the documented format that no response has (any seed, negative or huge, gives one)."""
        return f"resp_{seed % 2**128:032x}"

    # --- the fake -----------------------------------------------------------------------------------------
    def new_id(self, rng: random.Random) -> str:
        """A fresh response id."""
        raise NotImplementedError

    def item_id(self, rng: random.Random) -> str:
        """A fresh output item id."""
        raise NotImplementedError

    def model(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> str:
        """The `model` a response reports for this create body."""
        requested = body.get("model")
        return requested if isinstance(requested, str) and requested else self.mock_model

    def echo(self, body: Mapping[str, Any]) -> JsonObject:
        """Create-body fields the response object repeats back."""
        return common_echo(body)

    def error(self, message: str, kind: str, param: str | None = None, code: str | None = None) -> JsonObject:
        """The provider's error envelope."""
        return {"error": {"message": message, "type": kind, "param": param, "code": code}}

    def render(self, record: Record, view: View) -> JsonObject:
        """The full response object."""
        raise NotImplementedError

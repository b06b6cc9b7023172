"""What a drift does to the code that reads the answer: the vendor SDK's verdict and the consumers it breaks.

`ImpactKind` is the closed vocabulary every rendering shows; `FailOn` is the user's choice of what fails a run.
The rule that combines them is `DriftRecord.failing`, the one verdict rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ImpactKind(StrEnum):
    """What a drift does to a client: breaks the vendor's SDK, passes through it, breaks a declared consumer."""

    BREAKS_SDK = "breaks-sdk"
    SDK_ACCEPTS = "sdk-accepts"
    BREAKS_CONSUMER = "breaks-consumer"
    UNKNOWN = "unknown"


class FailOn(StrEnum):
    """What fails a run (`--fail-on`): any error drift (the default), or only drift that breaks a client."""

    ERROR = "error"
    BREAKS_SDK = "breaks-sdk"
    BREAKS_CONSUMER = "breaks-consumer"


@dataclass(frozen=True)
class Impact:
    """The SDK's verdict on the answer that produced a drift (with its own message) and the consumers it breaks.

    `sdk` is one of breaks-sdk, sdk-accepts or unknown (the SDK is not installed, or there was no answer to
    judge); `consumers` names every `--consumer` file whose declared fields the drift breaks.
    """

    sdk: ImpactKind = ImpactKind.UNKNOWN
    message: str = ""
    consumers: tuple[str, ...] = ()

    @property
    def kind(self) -> ImpactKind:
        """The worst of the two judges: a broken SDK breaks every consumer reading through it."""
        if self.sdk is ImpactKind.BREAKS_SDK:
            return ImpactKind.BREAKS_SDK
        return ImpactKind.BREAKS_CONSUMER if self.consumers else self.sdk

    @property
    def breaks_sdk(self) -> bool:
        """Whether the vendor's SDK fails on the answer."""
        return self.sdk is ImpactKind.BREAKS_SDK

    @property
    def label(self) -> str:
        """The short form every rendering shows: `breaks-sdk`, `breaks-consumer: app`, `sdk-accepts`, `unknown`."""
        parts = [str(self.sdk)] if self.sdk is not ImpactKind.SDK_ACCEPTS or not self.consumers else []
        if self.consumers:
            parts.append(f"{ImpactKind.BREAKS_CONSUMER}: {', '.join(self.consumers)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """As written to drift.json."""
        return {
            "kind": str(self.kind),
            "sdk": str(self.sdk),
            "message": self.message,
            "consumers": list(self.consumers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Impact:
        """Read back from drift.json (a report written before impacts existed reads as unknown)."""
        if data is None:
            return cls()
        return cls(ImpactKind(data["sdk"]), str(data.get("message", "")), tuple(data.get("consumers", ())))

"""Client impact of drift: does it break the vendor's own SDK, and does it break the user's declared fields?

`providers.sdk` holds the SDK judges (each profile names its own); `impact.consumers` reads `--consumer` files;
`impact.assess.Impacts` combines both into the typed `model.Impact` of every drift record.
"""

from __future__ import annotations

from contracts.impact.assess import Impacts
from contracts.impact.consumers import Consumer, load_consumer

__all__ = ["Consumer", "Impacts", "load_consumer"]

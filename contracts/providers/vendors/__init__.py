"""One module per vendor, each defining `PROFILE`; the registry in `contracts.providers` finds them here."""

from __future__ import annotations

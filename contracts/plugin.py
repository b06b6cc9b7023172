"""pytest glue: the contract-run options (filled in by the engine)."""

from __future__ import annotations

"""Contract tests for the cancel-a-background-response endpoint of LLM Responses APIs."""

from __future__ import annotations

__version__ = "0.1.0"

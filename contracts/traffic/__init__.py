"""Recorded traffic: HAR and VCR cassettes read and written, matched to providers, judged, replayed, covered.

`recorded` is the one in-memory form of an exchange read from any file; `har` reads and writes HAR 1.2,
`cassette` reads VCR.py and schemathesis cassettes; `match` finds each exchange's provider and operation;
`verify` judges them with the registered checks into a `RunReport`; `coverage` counts what a run observed.
"""

from __future__ import annotations

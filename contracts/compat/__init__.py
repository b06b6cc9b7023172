"""Cross-vendor compatibility of the cancel operation: a field matrix and, per ordered pair, what would break.

A pair A → B reads "a client built against A's spec, talking to B". Each difference is `breaking` or
`non-breaking`, by these rules:

Response bodies and headers (B sends, A reads):
- a field A requires that B never sends or may omit → breaking;
- a field B sends (required or not) that A does not know → non-breaking (clients ignore unknown fields);
- a field A knows as optional that B never sends, or one B always sends that A has optional → non-breaking;
- B nullable where A is not → breaking; A nullable where B is not → non-breaking;
- B may send a type A does not accept (an integer is a number), or leaves the type open → breaking;
  B narrowing A's types → non-breaking;
- an enum value B may send that A does not know, or B leaving A's enum open → breaking;
  an enum value A knows that B never sends → non-breaking;
- error envelope flat (`{"message", ...}`) vs wrapped (`{"error": {...}}`) → breaking; the body fields under that
  status are then not compared one by one;
- a status code B documents that A does not → breaking (like an unknown enum value); the reverse → non-breaking.
- a field whose parent is missing, or of open type, on either side is not listed: the parent's difference covers it.
Statuses and error bodies that a spec only assumes (`x-assumed`) say so in the reason.

Requests (A sends, B reads):
- a parameter B requires that A does not send, or only has optional → breaking; the reverse → non-breaking;
- path parameters carry ids that B issued: if A declares a pattern, B's ids must match it. B's example ids are
  tested against A's pattern; a different or missing pattern on B with no matching example → breaking
  (e.g. Yandex's UUID-like ids vs MKA1's `^resp[-_][a-zA-Z0-9]+$`);
- auth: a header format A may use that B does not accept → breaking; one B accepts on top → non-breaking.
"""

from __future__ import annotations

import argparse
import sys

from contracts.compat.contract import contract_of
from contracts.compat.matrix import build_matrix
from contracts.errors import EXIT_OK, ConfigError
from contracts.providers import names
from contracts.specs import load_spec


def run(args: argparse.Namespace) -> int:
    """`contracts compat`: print the matrix as Markdown, JSON or HTML."""
    from contracts.compat.observed import read_observed
    from contracts.compat.render import render

    providers = parse_providers(args.providers)
    matrix = build_matrix([contract_of(load_spec(provider)) for provider in providers])
    if args.observed is not None:
        matrix = read_observed(args.observed, matrix)
    sys.stdout.write(render(matrix, args.format))
    return EXIT_OK


def parse_providers(raw: str) -> tuple[str, ...]:
    """The `--providers` list, checked against the known providers."""
    known = names()
    chosen = known if raw.strip() == "all" else tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ConfigError(f"unknown provider {unknown[0]!r} in --providers", f"use some of: {', '.join(known)}")
    if len(chosen) < 2:
        raise ConfigError(f"--providers needs at least two providers, got {raw!r}", f"e.g. {','.join(known)}")
    return chosen

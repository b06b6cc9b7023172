"""The trend chart of report.html: drift per provider over the runs kept in the history folder, as inline SVG."""

from __future__ import annotations

import math
from typing import Any

from contracts.escape import html as escape
from contracts.model import Status
from contracts.providers import profiles

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 40
FALLBACK_COLOURS = ("#047857", "#7c3aed", "#b91c1c")
RAN = frozenset({Status.OK, Status.DRIFT})


def colour_of(provider: str, index: int) -> str:
    """The colour of a provider's line: its profile's, or the index-th fallback for one no longer registered."""
    profile = profiles().get(provider)
    return profile.colour if profile is not None else FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def _step(top: int) -> int:
    """A round tick step that gives at most five ticks up to `top`."""
    raw = max(1, math.ceil(top / 5))
    magnitude: int = 10 ** (len(str(raw)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _point_title(run: dict[str, Any], name: str, facts: dict[str, Any]) -> str:
    states = facts["baseline"]
    return (
        f"{name} {run['generated_at']}: {facts['drift']} drift, {facts['errors']} errors"
        f" ({states['new']} new, {states['known']} known, {states['expired']} expired), seed {run['seed']}"
    )


def _when(run: dict[str, Any]) -> str:
    return str(run["generated_at"])[:16].replace("T", " ")


def render_chart(runs: list[dict[str, Any]], providers: list[str]) -> str:
    """An SVG with one line per provider: drift records per run, with a point (and a tooltip) for each run."""
    top = int(max([p["drift"] for run in runs for p in run["providers"].values() if p["status"] in RAN] + [1]))
    step = _step(top)
    top = math.ceil(top / step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if len(runs) == 1 else plot_w * index / (len(runs) - 1))

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg class="trend" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>Drift records per run, {len(runs)} runs</title>",
    ]
    for tick in range(0, top + 1, step):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    for index in range(len(runs)):
        parts.append(
            f'<line class="grid" x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 4}"/>'
        )
    first, last = _when(runs[0]), _when(runs[-1])
    parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - BOTTOM + 18}">{escape(first)}</text>')
    if len(runs) > 1:
        parts.append(f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 18}" text-anchor="end">'
                     f"{escape(last)}</text>")  # fmt: skip
    for number, name in enumerate(providers):
        colour = colour_of(name, number)
        points, dots = [], []
        for index, run in enumerate(runs):
            facts = run["providers"].get(name)
            # A run the provider sat out (skipped, unavailable) has no point; the line joins its neighbours.
            if facts is None or facts["status"] not in RAN:
                continue
            points.append(f"{x(index):.1f},{y(facts['drift']):.1f}")
            dots.append(
                f'<circle class="point" data-provider="{escape(name)}" cx="{x(index):.1f}" cy="{y(facts["drift"]):.1f}"'
                f' r="3.5" fill="{colour}"><title>{escape(_point_title(run, name, facts))}</title></circle>'
            )
        if len(points) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        parts += dots
        legend_x = LEFT + 110 * number
        parts.append(f'<rect x="{legend_x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text class="legend" x="{legend_x + 14}" y="{HEIGHT - 5}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)

"""Charts as server-rendered SVG: no script, no library, nothing fetched. Colours and sizes are
presentation attributes (the pages' Content-Security-Policy allows no inline style), every
text is escaped, and each bar carries a <title> for the browser's tooltip."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

COLOURS = {
    "held": "#c77700",
    "released": "#2e7d32",
    "rejected": "#b3261e",
    "encrypted": "#1565c0",
}
_FALLBACK = "#6d6d6d"


def _nice(top: int) -> int:
    """A round maximum for the axis, at least ``top``."""
    for power in range(0, 10):
        for step in (1, 2, 5):
            value = step * 10**power
            if value >= top:
                return value
    return top


def stacked_bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """One bar per label, its parts stacked by series (in the order given), with a legend."""
    left, bottom, top_pad = 40, 28, 24
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    scale = _nice(max(totals, default=0) or 1)
    slot = plot_w / max(1, len(labels))
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 8}" y2="{top_pad + plot_h}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11">{scale}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - bar) / 2
        y = float(top_pad + plot_h)
        for name, values in series.items():
            value = values[index]
            if not value:
                continue
            h = plot_h * value / scale
            y -= h
            parts.append(
                f'<rect class="bar" data-series="{escape(name)}" data-label="{escape(label)}" '
                f'data-value="{value}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS.get(name, _FALLBACK)}"><title>{escape(label)}: {value} '
                f"{escape(name)}</title></rect>"
            )
        if len(labels) <= 16 or index % max(1, len(labels) // 8) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="10">{escape(label)}</text>'
            )
    x = left
    for name in series:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS.get(name, _FALLBACK)}"/>'
            f'<text x="{x + 14}" y="13" font-size="11">{escape(name)}</text>'
        )
        x += 16 + 8 * len(name) + 12
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(items: Sequence[tuple[str, int]], *, title: str, width: int = 480) -> Markup:
    """Horizontal bars, one per (label, value), largest first as given."""
    row, label_w = 20, 200
    height = row * max(1, len(items)) + 8
    top = max((value for _, value in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        w = (width - label_w - 50) * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="11">'
            f"{escape(label[:32])}</text>"
            f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" x="{label_w}" '
            f'y="{y + 2}" width="{w:.1f}" height="{row - 6}" fill="#455a64">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

"""The SVG charts: every bar inside the drawing, stacked heights proportional to the values,
the axis's top a round number at least the tallest bar; any text escaped."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from dlp.web.charts import bars, stacked_bars

_RECT = re.compile(
    r'<rect class="bar"[^>]*data-value="(\d+)" x="([\d.]+)" y="([\d.]+)" '
    r'width="([\d.]+)" height="([\d.]+)"'
)


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=30))
def test_stacked_bars_stay_inside_and_scale_with_their_values(days: list[tuple[int, int]]) -> None:
    labels = [f"d{n}" for n in range(len(days))]
    svg = str(
        stacked_bars(
            labels,
            {"held": [a for a, _ in days], "rejected": [b for _, b in days]},
            title="t",
            width=720,
            height=220,
        )
    )
    found = [tuple(map(float, match)) for match in _RECT.findall(svg)]
    assert len(found) == sum((a > 0) + (b > 0) for a, b in days)
    top = int(re.search(r'text-anchor="end" font-size="11">(\d+)</text>', svg).group(1))
    assert top >= max(a + b for a, b in days)
    for value, x, y, width, height in found:
        assert x >= 0 and x + width <= 720 and y >= 0 and y + height <= 220 - 28 + 0.1
        assert abs(height - (220 - 28 - 24) * value / top) < 0.1


def test_labels_are_escaped() -> None:
    svg = str(bars([("<script>&", 3)], title="a<b"))
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg and "a&lt;b" in svg

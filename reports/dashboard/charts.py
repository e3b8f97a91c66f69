"""Small SVG charts drawn on the server (no JavaScript, no CDN): one trend line per category."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 220, 48, 3

# The admin's badge colours (static/admin_curadoria/comments.css).
CATEGORY_COLOURS = {
    "ELOGIO": "#1f8a4c",
    "CRÍTICA": "#c0392b",
    "SUGESTÃO": "#2c6fbb",
    "DÚVIDA": "#b7791f",
    "SPAM": "#6b7280",
}


def sparkline(values: Sequence[int], *, colour: str, label: str) -> SafeString:
    """A line over `values` (oldest first) with its area shaded; the title names it for readers."""
    if not values:
        return mark_safe("")
    top = max(max(values), 1)
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    points = [
        (PAD + i * step, HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD))
        for i, value in enumerate(values)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"{PAD},{HEIGHT - PAD} {line} {points[-1][0]:.1f},{HEIGHT - PAD}"
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}"><title>{label}</title>'
        '<polygon points="{area}" fill="{c}" fill-opacity="0.12"></polygon>'
        '<polyline points="{line}" fill="none" stroke="{c}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"></polyline>'
        '<circle cx="{x}" cy="{y}" r="2.5" fill="{c}"></circle></svg>',
        w=WIDTH,
        h=HEIGHT,
        label=label,
        area=area,
        line=line,
        c=colour,
        x=f"{points[-1][0]:.1f}",
        y=f"{points[-1][1]:.1f}",
    )

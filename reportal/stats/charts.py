"""Charts drawn on the server as inline SVG: no JavaScript, nothing from another host, presentation attributes only
(the Content-Security-Policy allows no inline styles). Each chart names itself (<title>, <desc>) and points at the
table beside it, which carries the same figures for screen readers and for copying."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Dark enough on white for text and bars alike (WCAG 3:1 for graphics at the least).
PALETTE = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0f766e")
TEXT = "#111827"
GRID = "#d1d5db"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, float]]) -> SafeString:
    """Horizontal bars, one per row, largest scale first; labels on the left, values at the end of each bar."""
    label_width, bar_width, row_height, top = 200, 300, 24, 8
    width = label_width + bar_width + 70
    height = top * 2 + row_height * max(1, len(rows))
    largest = max((value for _label, value in rows), default=0) or 1
    description = _("A bar chart. The table beside it lists the same figures.")
    parts = _open(chart_id, width, height, title, description)
    if not rows:
        parts.append(
            f'<text x="8" y="{top + 16}" fill="{TEXT}" {FONT}>{escape(_("No figures for this period."))}</text>'
        )
    for index, (label, value) in enumerate(rows):
        y = top + index * row_height
        length = max(1.0, bar_width * value / largest) if value else 0.0
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}" {FONT}>{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 8}" fill="{PALETTE[0]}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" fill="{TEXT}" {FONT}>'
            f"{escape(_number(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def month_chart(chart_id: str, title: str, months: Sequence[str], series: Sequence[Series]) -> SafeString:
    """Grouped vertical bars per month (one colour per series), with a value axis and a legend."""
    left, right, top, bottom, legend_height = 56, 12, 12, 36, 22 * ((len(series) + 2) // 3)
    group = max(24, min(64, 720 // max(1, len(months))))
    plot_width = group * max(1, len(months))
    plot_height = 200
    width = max(left + plot_width + right, left + min(3, len(series)) * 220)
    height = top + plot_height + bottom + legend_height
    largest = max((max(s.values, default=0) for s in series), default=0) or 1
    step = _nice_step(largest / 4)
    ceiling = step * max(1, -(-largest // step))
    description = _("A bar chart by month. The table beside it lists the same figures.")
    parts = _open(chart_id, width, height, title, description)
    base = top + plot_height
    tick = 0.0
    while tick <= ceiling:
        y = base - plot_height * tick / ceiling
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}" {FONT}>{_number(tick)}</text>'
        )
        tick += step
    bar = max(2.0, (group - 8) / max(1, len(series)))
    for m, month in enumerate(months):
        x0 = left + m * group + 4
        for s, one in enumerate(series):
            value = one.values[m] if m < len(one.values) else 0
            h = plot_height * value / ceiling
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{base - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            )
        if len(months) <= 12 or m % max(1, len(months) // 12) == 0:
            parts.append(
                f'<text x="{x0 + (group - 8) / 2:.1f}" y="{base + 16}" text-anchor="middle" fill="{TEXT}" {FONT}>'
                f"{escape(month)}</text>"
            )
    for s, one in enumerate(series):
        x = left + (s % 3) * 220
        y = base + bottom + (s // 3) * 22
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y}" fill="{TEXT}" {FONT}>{escape(one.name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`."""
    if raw <= 1:
        return 1.0
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)

"""Charts drawn on the server as SVG: no script, no external asset, each with its numbers as a table beside it. The
dashboards (portal) and the assessment's progress page draw with these (one drawing of a bar, not one per app).

A chart is an ``svg`` (markup, labelled with ``role="img"`` and a ``<title>``) and the ``rows`` of the table that
says the same in text (screen readers, printing, copying the figures). Sizes are in the SVG's own units and the
drawing scales to the width of its box (``viewBox``), so the same chart serves a phone and a desktop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 70
BAR_HEIGHT = 18
GAP = 6
LEGEND_WIDTH = 140
COLOURS = ("#b71c1c", "#e57373", "#8d6e63", "#5d4037", "#ef6c00", "#9e9e9e", "#1565c0", "#2e7d32")


@dataclass
class Chart:
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _text(x, y, value, *, anchor="start", size=12, weight="normal", fill="#222") -> str:
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(value)}</text>'
    )


def _clip(label: str, chars: int = 14) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _svg(title: str, height: int, body: list[str], width: int = WIDTH) -> SafeString:
    """A drawing of the full width keeps a readable size on a phone and scrolls in its box (shrunk to 375 pixels its
    labels would be 5 pixels high); a small one (a third of the page) fits."""
    return mark_safe(
        f'<svg class="chart{" wide" if width >= WIDTH else ""}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _number(value) -> str:
    if isinstance(value, Decimal | float):
        return f"{value:.1f}"
    return str(value)


def bars(
    title: str,
    lines: list[tuple[str, int | Decimal]],
    *,
    unit: str = "",
    headers=None,
    maximum=None,
    small: bool = False,
) -> Chart:
    """Horizontal bars, one per (label, value), the value written at the end of its bar. ``small`` draws it for a
    box a third of the page wide (a narrower drawing, so that its text keeps its size)."""
    width, label_width, value_width = (340, 110, 48) if small else (WIDTH, LABEL_WIDTH, VALUE_WIDTH)
    top = max([maximum or 0, *(v for _l, v in lines)]) or 1
    span = width - label_width - value_width
    body = []
    for i, (label, value) in enumerate(lines):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = round(span * float(value) / float(top), 1)
        body.append(_text(label_width - 8, y + 13, _clip(label, 9 if small else 14), anchor="end"))
        body.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="{COLOURS[0]}" rx="2">'
            f"<title>{escape(label)}: {escape(_number(value))}{escape(unit)}</title></rect>"
        )
        body.append(_text(label_width + length + 6, y + 13, f"{_number(value)}{unit}"))
    height = GAP + max(len(lines), 1) * (BAR_HEIGHT + GAP)
    rows = [[label, f"{_number(value)}{unit}"] for label, value in lines]
    return Chart(title, _svg(title, height, body, width), list(headers or ["", ""]), rows)


def stacked(
    title: str, lines: list[tuple[str, list[int | Decimal]]], parts: list[str], *, headers=None, maximum=None
) -> Chart:
    """Horizontal bars split into parts (such as on time / overdue), a legend above, the total at the end; the bars'
    scale is the longest bar, or ``maximum`` (an assessment's full marks)."""
    top = max([maximum or 0, *(sum(values) for _l, values in lines), 1])
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    body = []
    per_row = (WIDTH - LABEL_WIDTH) // LEGEND_WIDTH  # the legend in rows of three, each name clipped to its place
    for j, part in enumerate(parts):
        x, y = LABEL_WIDTH + (j % per_row) * LEGEND_WIDTH, 4 + (j // per_row) * 18
        body.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{COLOURS[j % len(COLOURS)]}"/>')
        body.append(_text(x + 16, y + 11, _clip(part, 9)))
    legend = 24 + 18 * ((max(len(parts), 1) - 1) // per_row)
    for i, (label, values) in enumerate(lines):
        y = legend + GAP + i * (BAR_HEIGHT + GAP)
        body.append(_text(LABEL_WIDTH - 8, y + 13, _clip(label), anchor="end"))
        x = LABEL_WIDTH
        for j, value in enumerate(values):
            length = round(span * float(value) / float(top), 1)
            if length:
                body.append(
                    f'<rect x="{x}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                    f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(label)} · {escape(parts[j])}: '
                    f"{escape(_number(value))}</title></rect>"
                )
            x += length
        body.append(_text(x + 6, y + 13, _number(sum(values))))
    height = legend + GAP + max(len(lines), 1) * (BAR_HEIGHT + GAP)
    rows = [[label, *map(_number, values), _number(sum(values))] for label, values in lines]
    return Chart(title, _svg(title, height, body), list(headers or ["", *parts, ""]), rows)


def heatmap(
    title: str,
    columns: list[str],
    lines: list[tuple[str, list[tuple[str, str]]]],
    fills: dict[str, str],
    legend: list[tuple[str, str]] | None = None,
) -> Chart:
    """Rows × columns of cells coloured by state, each cell titled with its text ((state, text) per cell)."""
    cell = (WIDTH - LABEL_WIDTH) / max(len(columns), 1)
    body = []
    for j, (state, text) in enumerate(legend or []):  # the legend: what each colour says
        x = LABEL_WIDTH + j * 90
        body.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{fills.get(state, "#eeeeee")}" stroke="#999"/>')
        body.append(_text(x + 16, 15, text, size=11))
    top = 24 if legend else 0
    body += [
        _text(LABEL_WIDTH + (k + 0.5) * cell, top + 14, column, anchor="middle", size=11)
        for k, column in enumerate(columns)
    ]
    for i, (label, cells) in enumerate(lines):
        y = top + 22 + i * (BAR_HEIGHT + 2)
        body.append(_text(LABEL_WIDTH - 8, y + 13, _clip(label), anchor="end"))
        for k, (state, text) in enumerate(cells):
            body.append(
                f'<rect x="{round(LABEL_WIDTH + k * cell + 1, 1)}" y="{y}" width="{round(cell - 2, 1)}" '
                f'height="{BAR_HEIGHT}" fill="{fills.get(state, "#eeeeee")}"><title>{escape(label)} · '
                f"{escape(columns[k])}: {escape(text)}</title></rect>"
            )
    height = top + 22 + max(len(lines), 1) * (BAR_HEIGHT + 2) + 4
    rows = [[label, *(text for _s, text in cells)] for label, cells in lines]
    return Chart(title, _svg(title, height, body), ["", *columns], rows)

"""Charts of an output sheet: XML made by XlsxWriter, transplanted into our package.

We never write chart XML by hand: XlsxWriter (a well-kept library whose charts Excel, LibreOffice
and viewers open) builds a throwaway in-memory workbook holding a sheet of the same name, the
same column widths and the same values, with the charts inserted at their anchors. Its drawing
part and chart parts are taken as they are; only their part names change (our package picks
free names, so they never collide with the book's own charts) and the drawing's relationships
are rewritten to point to the renamed chart parts. XlsxWriter also caches the plotted values in
each chart (numCache/strCache), so viewers draw them without recalculating.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from workbooks.layout import LaidChart, Layout
from workbooks.model import Formula, OutputValue
from workbooks.xlsx.ooxml import PKG_REL, REL, read_rels

RT_DRAWING = REL + "/drawing"
RT_CHART = REL + "/chart"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_DEFAULT_SIZE = (480, 288)  # XlsxWriter's chart size in pixels
_SERIAL_EPOCH = date(1899, 12, 30)



@dataclass(frozen=True)
class ChartParts:
    """A drawing part and its charts, as XlsxWriter made them: `charts` maps the drawing's
    relationship ids to chart XML."""

    drawing: bytes
    charts: dict[str, bytes]

    def drawing_rels(self, targets: dict[str, str]) -> bytes:
        """The drawing's relationships, pointing each rId at `targets[rId]` (relative paths)."""
        rels = "".join(f'<Relationship Id="{rid}" Type="{RT_CHART}" Target="{targets[rid]}"/>'
                       for rid in self.charts)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PKG_REL}">{rels}</Relationships>').encode()


def make_charts(layout: Layout) -> ChartParts:
    """The drawing and chart parts for the charts of `layout` (which has at least one)."""
    import xlsxwriter  # here: only sheets with charts pay for the import (every save would)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(layout.name)
    for index, width in enumerate(layout.widths):
        sheet.set_column(index, index, width)
    for laid in layout.charts:  # the values, so XlsxWriter caches them in the charts
        for cell in layout.cells_in(laid.header_row, laid.last_row,
                                    {laid.category_col, *laid.value_cols}):
            _write(sheet, cell.row - 1, cell.col - 1, cell.value)
    for laid in layout.charts:
        chart = book.add_chart({"type": str(laid.chart.kind)})
        _add_series(chart, layout.name, laid)
        if laid.chart.title:
            chart.set_title({"name": laid.chart.title})
        scale = {"x_scale": laid.chart.width / _DEFAULT_SIZE[0],
                 "y_scale": laid.chart.height / _DEFAULT_SIZE[1]}
        sheet.insert_chart(laid.row - 1, laid.col - 1, chart, scale)
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as made:
        drawing_part = "xl/drawings/drawing1.xml"
        rels = read_rels(made.read("xl/drawings/_rels/drawing1.xml.rels"), drawing_part)
        charts = {rid: made.read(target) for rid, (rtype, target, _mode) in rels.items()
                  if rtype == RT_CHART}
        return ChartParts(made.read(drawing_part), charts)


def _add_series(chart: Any, sheet: str, laid: LaidChart) -> None:
    first, last = laid.first_row - 1, laid.last_row - 1
    for col in laid.value_cols:
        chart.add_series({
            "name": [sheet, laid.header_row - 1, col - 1],
            "categories": [sheet, first, laid.category_col - 1, last, laid.category_col - 1],
            "values": [sheet, first, col - 1, last, col - 1],
        })


def _write(sheet: Any, row: int, col: int, value: OutputValue) -> None:
    """A value as the chart cache needs it (display only: the package gets our own cells)."""
    if isinstance(value, Formula):
        value = value.cached
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        sheet.write_number(row, col, (day - _SERIAL_EPOCH).days)
    elif value is not None:
        sheet.write_string(row, col, str(value))

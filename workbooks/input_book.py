"""Writing a new workbook of input sheets from rows: what `backoffice demo` (and tests) build.

The caller gives plain data: per sheet, its header texts, its rows (dicts keyed by header) and a
small layout (a title above the header, an Excel Table, number formats). This module turns that
into a .xlsx with openpyxl: real Excel types (numbers, dates, text), a number format per cell
from the value's type and its column, fitted widths, a frozen header, fixed document
properties. Money goes in as `Decimal`: openpyxl writes a Decimal as a number cell with the
Decimal's own digits ("189.90"), so no float ever rounds it on the way.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from workbooks.xlsx.styles import schema_font_order

TEXT_FORMAT = "@"
ISO_DATE = "yyyy-mm-dd"
_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class InputSheet:
    """One input sheet to write: header texts, rows keyed by header, and its layout.

    `header_row` leaves room above for `title` (row 1); `table_name` makes header and data an
    Excel Table; `number_formats` gives each numeric column's format ("General" otherwise);
    text cells get "@" and dates `date_format`; `cell_formats` sets single cells, by (row,
    column number), e.g. a formatted blank or a Config value.
    """

    name: str
    columns: tuple[str, ...]
    rows: Sequence[Row]
    header_row: int = 1
    title: str | None = None
    table_name: str | None = None
    header_fill: bool = True
    number_formats: Mapping[str, str] = field(default_factory=dict)
    date_format: str = ISO_DATE
    cell_formats: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def cell(self, index: int, column: str) -> str:
        """The A1 address of `column` in the `index`-th data row (0-based)."""
        letter = get_column_letter(self.columns.index(column) + 1)
        return f"{letter}{self.header_row + 1 + index}"


@dataclass(frozen=True)
class BookProperties:
    """Document properties, fixed so that two builds of the same data are identical."""

    creator: str
    title: str
    timestamp: datetime


def write_input_book(path: Path, sheets: Sequence[InputSheet], properties: BookProperties) -> None:
    """Write the sheets, in order, to a new .xlsx at `path`; raises FileExistsError rather than
    overwrite a file, and leaves no partial file behind on failure."""
    _save_new(_render(sheets, properties), Path(path))


def number_format(sheet: InputSheet, column: str, value: object) -> str:
    """The Excel number format of a cell, from its value's type and its column."""
    if isinstance(value, str):
        return TEXT_FORMAT
    if isinstance(value, date):
        return sheet.date_format
    return sheet.number_formats.get(column, "General")


def _display_width(value: object) -> int:
    """Roughly how many characters a value shows in Excel."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, float | Decimal):
        return len(f"{value:,.2f}")
    return len(str(value))


def _write_header(ws: Worksheet, sheet: InputSheet) -> None:
    """Bold headers, frozen below."""
    for col, name in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=sheet.header_row, column=col, value=name)
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="center")
        if sheet.header_fill:
            cell.fill = _HEADER_FILL
    ws.freeze_panes = ws.cell(row=sheet.header_row + 1, column=1)


def _write_rows(ws: Worksheet, sheet: InputSheet) -> None:
    """Data cells with real Excel types and number formats (None leaves the cell empty)."""
    for r, row in enumerate(sheet.rows, start=sheet.header_row + 1):
        for c, column in enumerate(sheet.columns, start=1):
            value = row.get(column)
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            cell.number_format = number_format(sheet, column, value)


def _fit_columns(ws: Worksheet, sheet: InputSheet) -> None:
    """Column widths that fit the headers and values, within sensible bounds."""
    for c, column in enumerate(sheet.columns, start=1):
        widest = max([len(column) + 2, *(_display_width(r.get(column)) for r in sheet.rows)])
        ws.column_dimensions[get_column_letter(c)].width = min(max(widest + 2, 9), 48)


def _add_table(ws: Worksheet, sheet: InputSheet, name: str) -> None:
    """Make the header and data an Excel Table."""
    last_row = sheet.header_row + len(sheet.rows)
    ref = f"A{sheet.header_row}:{get_column_letter(len(sheet.columns))}{last_row}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True,
                                          showColumnStripes=False, showFirstColumn=False,
                                          showLastColumn=False)
    ws.add_table(table)


def _write_sheet(wb: Workbook, sheet: InputSheet) -> Worksheet:
    """One input sheet: optional title, header, data, widths, table, single-cell formats."""
    ws = wb.create_sheet(sheet.name)
    if sheet.title:
        ws.cell(row=1, column=1, value=sheet.title).font = _TITLE_FONT
    _write_header(ws, sheet)
    _write_rows(ws, sheet)
    _fit_columns(ws, sheet)
    if sheet.table_name:
        _add_table(ws, sheet, sheet.table_name)
    for (row, col), fmt in sheet.cell_formats.items():
        ws.cell(row=row, column=col).number_format = fmt
    return ws


def _render(sheets: Sequence[InputSheet], properties: BookProperties) -> Workbook:
    """The openpyxl workbook of the sheets, with fixed document properties."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_sheet(wb, sheet)
    wb.properties.creator = properties.creator
    wb.properties.title = properties.title
    wb.properties.created = properties.timestamp
    wb.properties.modified = properties.timestamp
    wb.properties.lastModifiedBy = properties.creator
    return wb


def _save_new(wb: Workbook, path: Path) -> None:
    """Write to a path that must not exist yet (exclusive create); never overwrite.

    ExcelWriter is used directly because openpyxl's save() stamps the clock into the document
    properties. Font children are put in the schema's order (schema_font_order): openpyxl's
    default font is out of order, which Excel's validator flags.
    """
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    package = schema_font_order(buffer.getvalue())
    with path.open("xb") as handle:
        try:
            handle.write(package)
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise

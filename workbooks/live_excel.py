"""The live-Excel adapter: the same Workbook protocol over an open xlwings Book.

Thin on purpose: values come from xlwings as a 2-D list (read with err_to_str so error cells are
reported, not turned into blanks) and go through the same `cells_to_grid` as the in-memory
adapter. Excel itself keeps the file: we write into the open book and leave saving to Excel.
Only the open-source part of xlwings is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from workbooks.layout import LaidCell, LaidChart, Layout, lay_out, number_format
from workbooks.memory import EXCEL_ERRORS, cells_to_grid
from workbooks.model import (
    CellKind,
    ChartKind,
    Formula,
    Grid,
    Mark,
    OutputSheet,
    OutputValue,
    TableRange,
    column_letter,
)
from workbooks.open_book import OWNED_KEY, STATE_SHEET, OpenBook

EXCEL_FORMATS = {CellKind.MONEY: "#,##0.00", CellKind.DATE: "yyyy-mm-dd", CellKind.INTEGER: "0",
                 CellKind.PERCENT: "0.00%", CellKind.TEXT: "@", CellKind.NUMBER: "General"}
MARK_COLOURS = {"error": (255, 199, 206), "warning": (255, 235, 156)}
_VERY_HIDDEN = 2  # xlSheetVeryHidden
MARK_KEY = "live mark"  # ours alone: the file adapter's "mark" rows hold style indexes


class LiveWorkbook(OpenBook):
    """A workbook open in Excel, reached through an xlwings Book (e.g. xw.Book.caller())."""

    def __init__(self, book: Any) -> None:
        super().__init__()
        self.book = book

    @property
    def name(self) -> str:
        """The workbook's name as Excel shows it."""
        return str(self.book.name)

    def sheet_names(self) -> list[str]:
        """Worksheet names in tab order, our state sheet excluded."""
        return [s.name for s in self.book.sheets if s.name != STATE_SHEET]

    def grid(self, sheet: str) -> Grid:
        """The used range as text, error cells apart, Excel Tables listed."""
        ws = self.book.sheets[sheet]
        used = ws.used_range
        values = used.options(ndim=2, err_to_str=True).value
        tables = [_table_range(t) for t in ws.tables]
        return cells_to_grid(sheet, values, used.row, used.column, tables, EXCEL_ERRORS)

    def _write(self, sheet: OutputSheet, existing: str | None) -> None:
        if existing is not None:
            ws = self.book.sheets[existing]
            for table in list(ws.tables):
                _delete_table(table)
            for chart in list(ws.charts):  # Clear All leaves charts in place
                chart.delete()
            ws.clear()
        else:
            last = len(list(self.book.sheets)) - 1
            ws = self.book.sheets.add(sheet.name, after=self.book.sheets[last])
        layout = lay_out(sheet)
        grid: list[list[object]] = [[None] * layout.last_col for _ in range(layout.last_row)]
        formulas = []
        # Formats first: Excel parses a string written into a General cell as typed input
        # ("000..." becomes 0, "2026-11-05" a date, "#N/A" an error cell).
        cells = layout.cells()
        for (first, last, col), fmt in _runs(cells, _format):  # one call per run of a column
            ws.range((first, col), (last, col)).number_format = fmt
        for (first, last, col), style in _runs(cells, lambda c: (c.bold or c.heading, c.heading)):
            if style[0]:
                ws.range((first, col), (last, col)).font.bold = True
            if style[1]:
                ws.range((first, col), (last, col)).font.size = 14
        for cell in cells:
            if isinstance(cell.value, Formula):
                formulas.append(cell)
            else:
                grid[cell.row - 1][cell.col - 1] = _excel(cell.value)
        ws["A1"].value = grid
        for cell in formulas:  # Excel computes them; the engine's value is only the file's cache
            ws.range((cell.row, cell.col)).formula = "=" + cell.value.body  # type: ignore[union-attr]
        for table in layout.tables:  # the totals row stays plain cells below the table: Excel's
            # ShowTotals would add a row of its own
            ws.tables.add(source=ws.range((table.first_row, 1), (table.last_row - table.totals,
                                                                 table.last_col)), name=table.name)
        for cell in layout.cells():
            if cell.link and not isinstance(cell.value, Formula):
                rng = ws.range((cell.row, cell.col))
                rng.add_hyperlink("#" + cell.link, str(rng.value))
        self._layout_page(ws, sheet, layout)
        for laid in layout.charts:
            _add_chart(ws, laid)

    def _layout_page(self, ws: Any, sheet: OutputSheet, layout: Layout) -> None:
        """Column widths (autofit for a plain table sheet), print area, page breaks, fit to
        width. Page breaks and fitting go through COM (Windows); macOS keeps the print area."""
        if not sheet.blocks:
            ws.autofit(axis="columns")
        else:
            for col, width in enumerate(layout.widths, start=1):
                ws.range((1, col)).column_width = width
        if not layout.printable:
            return
        ws.page_setup.print_area = layout.print_area
        try:
            setup = ws.api.PageSetup
            setup.Zoom, setup.FitToPagesWide, setup.FitToPagesTall = False, 1, False
            for row in layout.row_breaks:
                ws.api.HPageBreaks.Add(ws.range((row, 1)).api)
        except AttributeError:  # no COM object (macOS): print area only
            pass

    def _apply_marks(self, previous: list[dict[str, Any]], marks: list[Mark]) -> list[dict[str, Any]]:
        present = {s.name.casefold() for s in self.book.sheets}
        for record in previous:  # remove exactly what we put last time
            if record["sheet"].casefold() not in present:  # renamed or deleted since: skip it
                continue
            cell = self.book.sheets[record["sheet"]][record["cell"]]
            cell.color = tuple(record["color"]) if record["color"] else None
            if record["note_added"] and cell.note is not None:
                cell.note.delete()
        records = []
        for mark in marks:
            cell = self.book.sheets[mark.sheet][mark.cell]
            record = {"sheet": mark.sheet, "cell": mark.cell, "color": cell.color,
                      "note_added": cell.note is None}
            cell.color = MARK_COLOURS[mark.level]
            if record["note_added"]:
                cell.add_note(mark.note)
            records.append(record)
        return records

    def _state(self) -> dict[str, Any]:
        """The state sheet, laid out as the file adapter lays it out: a Key | Value table.
        Ours are the "owned sheet" rows (the name in column B; further columns are kept) and the
        "live mark" rows (a JSON record each); every other row (the file adapter's "mark" and
        "notes parts": style indexes this door cannot restore) is kept, to be written back as it
        was. Rows of the earlier live layout (JSON texts in column A) are read too."""
        state: dict[str, Any] = {"owned": {}, "marks": [], "other": []}
        if STATE_SHEET not in [s.name for s in self.book.sheets]:
            return state
        ws = self.book.sheets[STATE_SHEET]
        last = ws.used_range.last_cell
        rows = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value or []
        for row in rows:
            while row and row[-1] is None:
                row = row[:-1]
            key, value = [*row, None, None][:2]
            if not row or (key, value) == ("Key", "Value"):
                continue
            if key == OWNED_KEY and value is not None:
                state["owned"].setdefault(str(value).casefold(), row)
            elif key == MARK_KEY and value is not None:
                state["marks"].append(json.loads(str(value)))
            elif isinstance(key, str) and key.startswith("[") and value is None:  # earlier layout
                for name in json.loads(key):
                    state["owned"].setdefault(name.casefold(), [OWNED_KEY, name])
            elif isinstance(key, str) and key.startswith("{") and value is None:  # earlier layout
                state["marks"].append(json.loads(key))
            else:
                state["other"].append(row)
        return state

    def _save_state(self, state: dict[str, Any]) -> None:
        if STATE_SHEET not in [s.name for s in self.book.sheets]:
            ws = self.book.sheets.add(STATE_SHEET, after=self.book.sheets[-1])
            try:
                ws.api.Visible = _VERY_HIDDEN  # Windows COM
            except Exception:  # macOS: plain hidden
                ws.visible = False
        ws = self.book.sheets[STATE_SHEET]
        rows = [["Key", "Value"], *state["owned"].values(), *state["other"],
                *[[MARK_KEY, json.dumps(r, sort_keys=True)] for r in state["marks"]]]
        width = max(len(r) for r in rows)
        rows = [[*r, *[None] * (width - len(r))] for r in rows]
        for table in list(ws.tables):  # e.g. the file adapter's BO_State
            _delete_table(table)
        ws.clear()
        ws.range((1, 1), (len(rows), width)).number_format = "@"  # names and JSON stay text
        ws["A1"].value = rows


def _delete_table(table: Any) -> None:
    """Remove an Excel Table (xlwings has no Table.delete): ListObject.Delete over COM on
    Windows, delete() through AppleScript on macOS."""
    api = table.api
    remove = getattr(api, "Delete", None) or getattr(api, "delete", None)
    if remove is not None:
        remove()


def _table_range(table: Any) -> TableRange:
    rng = table.range
    last = rng.last_cell
    totals = 1 if table.show_totals else 0  # the totals row is not data
    return TableRange(table.name, rng.row, rng.column, last.row - totals, last.column)


def _excel(value: OutputValue) -> object:
    """A value as xlwings writes it (Decimal is not a COM type; dates stay dates)."""
    return float(value) if isinstance(value, Decimal) else value


CHART_TYPES = {ChartKind.BAR: "bar_clustered", ChartKind.COLUMN: "column_clustered",
               ChartKind.LINE: "line", ChartKind.PIE: "pie"}


def _add_chart(ws: Any, laid: LaidChart) -> None:
    """A chart through xlwings' own chart API: categories and value columns (headers included)
    as the source, plotted by columns, anchored at its cell."""
    areas = [(laid.category_col, laid.category_col), *[(c, c) for c in laid.value_cols]]
    address = ",".join(f"{column_letter(a)}{laid.header_row}:{column_letter(b)}{laid.last_row}"
                       for a, b in areas)
    chart = ws.charts.add(width=laid.chart.width * 0.75, height=laid.chart.height * 0.75,
                          chart_type=CHART_TYPES[laid.chart.kind], source=ws.range(address),
                          plot_by="columns", anchor=ws.range((laid.row, laid.col)))
    if laid.chart.title:
        chart.title = laid.chart.title


def _format(cell: LaidCell) -> str:
    """A cell's number format; a number in a text column is shown as a number."""
    value = cell.value.cached if isinstance(cell.value, Formula) else cell.value
    if cell.kind is CellKind.TEXT and isinstance(value, int | float | Decimal) \
            and not isinstance(value, bool):
        return EXCEL_FORMATS[CellKind.NUMBER]
    return number_format(cell.kind, cell.currency)


def _runs(cells: list[LaidCell], key: Callable[[LaidCell], Any]
          ) -> list[tuple[tuple[int, int, int], Any]]:
    """((first row, last row, column), key) for each run of cells one under the other in a
    column sharing the key: a 10,000-row column is formatted in one COM call, not 10,000."""
    runs: list[tuple[tuple[int, int, int], Any]] = []
    open_runs: dict[int, int] = {}  # column -> index of its current run in `runs`
    for cell in sorted(cells, key=lambda c: (c.col, c.row)):
        value = key(cell)
        at = open_runs.get(cell.col)
        if at is not None:
            (first, last, col), current = runs[at]
            if current == value and last == cell.row - 1:
                runs[at] = ((first, cell.row, col), current)
                continue
        open_runs[cell.col] = len(runs)
        runs.append(((cell.row, cell.row, cell.col), value))
    return runs

"""The LibreOffice Calc adapter: the Workbook protocol over a spreadsheet document open in Calc,
reached through UNO (the fourth adapter, after memory, file and live Excel).

Used inside LibreOffice (the toolbar's buttons, addin/libreoffice): it reads cells and writes
output sheets, marks and the state sheet into the open document; saving the file is the
document's own business (`document.store()`, or the user). Like the live-Excel adapter it
reads values into the same `cells_to_grid` and lays out output sheets with `workbooks.layout`,
so every door writes the same sheets.

Calc specifics: a cell holds a number or a text, so dates and logicals are told apart by their
number format; error cells are found with queryFormulaCells and named as Excel names them;
formulas are parsed in Excel's own syntax (OOXML grammar), structured references to our output
tables rewritten to plain ranges first.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from workbooks.layout import LaidCell, LaidChart, Layout, lay_out, number_format
from workbooks.memory import ExcelError, cells_to_grid
from workbooks.model import CellKind, ChartKind, Formula, Grid, Mark, OutputSheet, TableRange, column_letter
from workbooks.open_book import OWNED_KEY, STATE_SHEET, OpenBook

MARK_KEY = "live mark"  # the state sheet's keys, as live Excel's
MARK_COLOURS = {"error": 0xFFC7CE, "warning": 0xFFEB9C}
NO_FILL = -1  # CellBackColor of a cell without a fill
# Calc's error codes (FormulaError) -> what Excel shows.
CALC_ERRORS = {532: "#DIV/0!", 32767: "#N/A", 519: "#VALUE!", 524: "#REF!", 525: "#NAME?",
               503: "#NUM!", 504: "#VALUE!", 502: "#VALUE!", 521: "#NULL!", 533: "#NULL!"}
DATE_TYPES, LOGICAL_TYPE = 2 | 4, 1024  # com.sun.star.util.NumberFormat bits
BOLD, HEADING_HEIGHT = 150.0, 14.0
CLEAR_ALL = 1023  # com.sun.star.sheet.CellFlags: every kind of content and format
PIXEL = 26.46  # 1/100 mm per pixel at 96 dpi
# Chart kind -> Calc's diagram service and its Vertical (bars run sideways) setting.
CHART_DIAGRAMS = {ChartKind.BAR: ("com.sun.star.chart.BarDiagram", True),
                  ChartKind.COLUMN: ("com.sun.star.chart.BarDiagram", False),
                  ChartKind.LINE: ("com.sun.star.chart.LineDiagram", None),
                  ChartKind.PIE: ("com.sun.star.chart.PieDiagram", None)}
_STRUCTURED = re.compile(r"([A-Za-z_][\w.]*)\[([^\[\]]+)\]")


def _uno(name: str) -> Any:
    import uno  # LibreOffice's Python only

    return uno.getConstantByName(name)


def _struct(name: str, **fields: Any) -> Any:
    import uno

    value = uno.createUnoStruct(name)
    for key, field in fields.items():
        setattr(value, key, field)
    return value


class CalcWorkbook(OpenBook):
    """A spreadsheet document open in LibreOffice Calc (an XSpreadsheetDocument)."""

    def __init__(self, document: Any) -> None:
        super().__init__()
        self.document = document

    @property
    def name(self) -> str:
        """The document's file name ("book.xlsx"), or its title when it was never saved."""
        url = str(self.document.getURL() or "")
        return url.rsplit("/", 1)[-1].replace("%20", " ") if url else str(self.document.getTitle())

    def sheet_names(self) -> list[str]:
        """Worksheet names in tab order, our state sheet excluded."""
        return [n for n in self.document.Sheets.ElementNames if n != STATE_SHEET]

    def _sheet(self, name: str) -> Any:
        return self.document.Sheets.getByName(name)

    # ----------------------------------------------------------------------------- reading

    def grid(self, sheet: str) -> Grid:
        """The used area as text, error cells apart, database ranges (Excel Tables) listed."""
        ws = self._sheet(sheet)
        cursor = ws.createCursor()
        cursor.gotoStartOfUsedArea(False)
        cursor.gotoEndOfUsedArea(True)
        area = cursor.getRangeAddress()
        rows: list[list[Any]] = [[None if v == "" else v for v in row] for row in cursor.getDataArray()]
        self._typed_numbers(cursor, area, rows)
        self._errors(cursor, area, rows)
        return cells_to_grid(sheet, rows, area.StartRow + 1, area.StartColumn + 1,
                             self._tables(ws), frozenset())

    def _typed_numbers(self, cursor: Any, area: Any, rows: list[list[Any]]) -> None:
        """Numbers shown as dates become datetimes, as logicals booleans (Excel's types)."""
        formats = self.document.getNumberFormats()
        null = self.document.NullDate
        epoch = datetime(null.Year, null.Month, null.Day)
        ranges = cursor.getCellFormatRanges()
        for index in range(ranges.getCount()):
            part = ranges.getByIndex(index)
            kind = formats.getByKey(part.NumberFormat).Type
            if not kind & (DATE_TYPES | LOGICAL_TYPE):
                continue
            where = part.getRangeAddress()
            for r in range(where.StartRow, where.EndRow + 1):
                row = rows[r - area.StartRow]
                for c in range(where.StartColumn, where.EndColumn + 1):
                    value = row[c - area.StartColumn]
                    if isinstance(value, float):
                        row[c - area.StartColumn] = (bool(value) if kind & LOGICAL_TYPE else
                                                     _from_serial(epoch, value))

    def _errors(self, cursor: Any, area: Any, rows: list[list[Any]]) -> None:
        found = cursor.queryFormulaCells(_uno("com.sun.star.sheet.FormulaResult.ERROR"))
        cells = found.getCells().createEnumeration()
        while cells.hasMoreElements():
            cell = cells.nextElement()
            where = cell.getCellAddress()
            rows[where.Row - area.StartRow][where.Column - area.StartColumn] = ExcelError(
                CALC_ERRORS.get(cell.getError(), "#VALUE!"))

    def _tables(self, ws: Any) -> list[TableRange]:
        index = ws.getRangeAddress().Sheet
        ranges = self.document.DatabaseRanges
        tables = []
        for name in ranges.ElementNames:
            if name.startswith("__Anonymous"):
                continue
            a = ranges.getByName(name).DataArea
            if a.Sheet == index:
                tables.append(TableRange(name, a.StartRow + 1, a.StartColumn + 1, a.EndRow + 1,
                                         a.EndColumn + 1))
        return tables

    # ----------------------------------------------------------------------------- writing

    def _write(self, sheet: OutputSheet, existing: str | None) -> None:
        sheets = self.document.Sheets
        if existing is not None:
            ws = sheets.getByName(existing)
            self._clear(ws)
        else:
            sheets.insertNewByName(sheet.name, sheets.getCount() - self._state_at_end())
            ws = sheets.getByName(sheet.name)
        layout = lay_out(sheet)
        grid: list[list[Any]] = [[""] * layout.last_col for _ in range(layout.last_row)]
        cells = layout.cells()
        for cell in cells:
            if not isinstance(cell.value, Formula):
                grid[cell.row - 1][cell.col - 1] = _calc(cell.value)
        self._formats(ws, cells)
        ws.getCellRangeByPosition(0, 0, layout.last_col - 1, layout.last_row - 1).setDataArray(
            tuple(tuple(row) for row in grid))
        for cell in cells:
            if isinstance(cell.value, Formula):
                self._formula(ws, cell, layout)
            elif cell.link:
                self._link(ws, cell)
        for table in layout.tables:
            self._database_range(ws, table.name, table.first_row, table.last_row - table.totals,
                                 table.last_col)
        self._widths(ws, sheet, layout)
        stem = re.sub(r"\W", "_", sheet.name)
        for index, laid in enumerate(layout.charts):
            # chart (embedded object) names are the document's, not the sheet's: two sheets with a
            # "BO_Chart1" each make Calc refuse the second (RuntimeException in addNewByName)
            self._chart(ws, laid, f"BO_{stem}_Chart{index + 1}")

    def _chart(self, ws: Any, laid: LaidChart, name: str) -> None:
        """A chart over the block's columns (categories first, headers as series names),
        anchored at its cell, sized in pixels as in Excel."""
        sheet = ws.getRangeAddress().Sheet
        ranges = tuple(_struct("com.sun.star.table.CellRangeAddress", Sheet=sheet, StartColumn=col - 1,
                               StartRow=laid.header_row - 1, EndColumn=col - 1, EndRow=laid.last_row - 1)
                       for col in (laid.category_col, *laid.value_cols))
        at = ws.getCellByPosition(laid.col - 1, laid.row - 1).Position
        box = _struct("com.sun.star.awt.Rectangle", X=at.X, Y=at.Y,
                      Width=round(laid.chart.width * PIXEL), Height=round(laid.chart.height * PIXEL))
        charts = ws.getCharts()
        charts.addNewByName(name, box, ranges, True, True)
        chart = charts.getByName(name).getEmbeddedObject()
        kind, vertical = CHART_DIAGRAMS[laid.chart.kind]
        diagram = chart.createInstance(kind)
        chart.setDiagram(diagram)
        if vertical is not None:
            diagram.Vertical = vertical
        if laid.chart.title:
            chart.HasMainTitle = True
            chart.getTitle().String = laid.chart.title

    def _state_at_end(self) -> int:
        """1 when the state sheet is the last sheet (new sheets go before it)."""
        names = self.document.Sheets.ElementNames
        return 1 if names and names[-1] == STATE_SHEET else 0

    def _clear(self, ws: Any) -> None:
        ws.clearContents(CLEAR_ALL)
        charts = ws.getCharts()
        for name in charts.ElementNames:
            charts.removeByName(name)
        index = ws.getRangeAddress().Sheet
        ranges = self.document.DatabaseRanges
        for name in ranges.ElementNames:
            if not name.startswith("__Anonymous") and ranges.getByName(name).DataArea.Sheet == index:
                ranges.removeByName(name)

    def _formats(self, ws: Any, cells: list[LaidCell]) -> None:
        """Number formats, bold and heading sizes, one call per run of a column."""
        keys: dict[str, int] = {}
        runs: dict[tuple[int, str, bool, bool], list[int]] = {}
        for cell in cells:
            value = cell.value.cached if isinstance(cell.value, Formula) else cell.value
            code = (number_format(CellKind.NUMBER) if cell.kind is CellKind.TEXT
                    and isinstance(value, int | float | Decimal) and not isinstance(value, bool)
                    else number_format(cell.kind, cell.currency))
            runs.setdefault((cell.col, code, cell.bold or cell.heading, cell.heading), []).append(cell.row)
        for (col, code, bold, heading), rows in runs.items():
            for first, last in _spans(sorted(rows)):
                rng = ws.getCellRangeByPosition(col - 1, first - 1, col - 1, last - 1)
                if code not in keys:
                    keys[code] = self._format_key(code)
                rng.NumberFormat = keys[code]
                if bold:
                    rng.CharWeight = BOLD
                if heading:
                    rng.CharHeight = HEADING_HEIGHT

    def _format_key(self, code: str) -> int:
        formats = self.document.getNumberFormats()
        locale = _struct("com.sun.star.lang.Locale", Language="en", Country="US")
        key = formats.queryKey(code, locale, False)
        return int(key if key != -1 else formats.addNew(code, locale))

    def _formula(self, ws: Any, cell: LaidCell, layout: Layout) -> None:
        """An Excel formula, parsed with Excel's grammar; structured references to our tables
        become plain ranges (Calc's database ranges take no [Column] references)."""
        assert isinstance(cell.value, Formula)
        text = "=" + _plain_references(cell.value.body, layout)
        parser = self.document.createInstance("com.sun.star.sheet.FormulaParser")
        parser.setPropertyValue("FormulaConvention",
                                _uno("com.sun.star.sheet.AddressConvention.XL_OOX"))
        mapper = self.document.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
        import uno

        entries = mapper.getAvailableMappings(_uno("com.sun.star.sheet.FormulaLanguage.OOXML"),
                                              _uno("com.sun.star.sheet.FormulaMapGroup.ALL_EXCEPT_SPECIAL"))
        # typed: a bare tuple reaches the parser as sequence<any>, which it refuses
        uno.invoke(parser, "setPropertyValue", ("OpCodeMap", uno.Any(
            "[]com.sun.star.sheet.FormulaOpCodeMapEntry", entries)))
        target = ws.getCellByPosition(cell.col - 1, cell.row - 1)
        tokens = parser.parseFormula(text, target.getCellAddress())
        target.setTokens(tokens)

    def _link(self, ws: Any, cell: LaidCell) -> None:
        """A hyperlink to a cell of the workbook ("'Orders'!E7"), as Calc's URL text field."""
        target = ws.getCellByPosition(cell.col - 1, cell.row - 1)
        sheet, _, ref = str(cell.link).rpartition("!")
        link = self.document.createInstance("com.sun.star.text.TextField.URL")
        link.URL = "#" + (sheet.strip("'").replace("''", "'") + "." if sheet else "") + ref
        link.Representation = target.getString()
        target.setString("")
        text = target.getText()
        text.insertTextContent(text.createTextCursor(), link, False)

    def _database_range(self, ws: Any, name: str, first: int, last: int, last_col: int) -> None:
        sheet = ws.getRangeAddress().Sheet
        address = _struct("com.sun.star.table.CellRangeAddress", Sheet=sheet, StartColumn=0,
                          StartRow=first - 1, EndColumn=last_col - 1, EndRow=last - 1)
        ranges = self.document.DatabaseRanges
        if ranges.hasByName(name):
            ranges.removeByName(name)
        ranges.addNewByName(name, address)

    def _widths(self, ws: Any, sheet: OutputSheet, layout: Layout) -> None:
        columns = ws.getColumns()
        if not sheet.blocks:
            for col in range(layout.last_col):
                columns.getByIndex(col).OptimalWidth = True
            return
        for col, width in enumerate(layout.widths):
            columns.getByIndex(col).Width = int(width * 185)  # Excel characters -> 1/100 mm

    # ----------------------------------------------------------------------------- marks, state

    def _cell(self, sheet: str, ref: str) -> Any:
        return self._sheet(sheet).getCellRangeByName(ref)

    def _apply_marks(self, previous: list[dict[str, Any]], marks: list[Mark]) -> list[dict[str, Any]]:
        present = {n.casefold() for n in self.document.Sheets.ElementNames}
        for record in previous:  # remove exactly what we put last time
            if record["sheet"].casefold() not in present:
                continue
            cell = self._cell(record["sheet"], record["cell"])
            cell.CellBackColor = record["color"] if isinstance(record["color"], int) else NO_FILL
            if record["note_added"]:
                self._remove_note(record["sheet"], cell)
        records = []
        for mark in marks:
            cell = self._cell(mark.sheet, mark.cell)
            had_note = bool(cell.getAnnotation().getString())
            records.append({"sheet": mark.sheet, "cell": mark.cell, "color": cell.CellBackColor,
                            "note_added": not had_note})
            cell.CellBackColor = MARK_COLOURS[mark.level]
            if not had_note:
                self._sheet(mark.sheet).getAnnotations().insertNew(cell.getCellAddress(), mark.note)
        return records

    def _remove_note(self, sheet: str, cell: Any) -> None:
        notes = self._sheet(sheet).getAnnotations()
        where = cell.getCellAddress()
        for index in range(notes.getCount()):
            at = notes.getByIndex(index).getPosition()
            if (at.Row, at.Column) == (where.Row, where.Column):
                notes.removeByIndex(index)
                return

    def _state(self) -> dict[str, Any]:
        """The state sheet (Key | Value rows, as the live-Excel adapter keeps it): owned sheets,
        this door's marks (a JSON record each) and every other row, kept as it was."""
        state: dict[str, Any] = {"owned": {}, "marks": [], "other": []}
        if not self.document.Sheets.hasByName(STATE_SHEET):
            return state
        cursor = self._sheet(STATE_SHEET).createCursor()
        cursor.gotoStartOfUsedArea(False)
        cursor.gotoEndOfUsedArea(True)
        for raw in cursor.getDataArray():
            row = list(raw)
            while row and row[-1] == "":
                row.pop()
            key, value = [*row, None, None][:2]
            if not row or (key, value) == ("Key", "Value"):
                continue
            if key == OWNED_KEY and value:
                state["owned"].setdefault(str(value).casefold(), row)
            elif key == MARK_KEY and value:
                state["marks"].append(json.loads(str(value)))
            else:
                state["other"].append(row)
        return state

    def _save_state(self, state: dict[str, Any]) -> None:
        sheets = self.document.Sheets
        if not sheets.hasByName(STATE_SHEET):
            sheets.insertNewByName(STATE_SHEET, sheets.getCount())
        ws = sheets.getByName(STATE_SHEET)
        ws.IsVisible = False
        rows = [["Key", "Value"], *state["owned"].values(), *state["other"],
                *[[MARK_KEY, json.dumps(r, sort_keys=True)] for r in state["marks"]]]
        width = max(len(r) for r in rows)
        ws.clearContents(CLEAR_ALL)
        block = ws.getCellRangeByPosition(0, 0, width - 1, len(rows) - 1)
        block.NumberFormat = self._format_key("@")  # names and JSON stay text
        block.setDataArray(tuple(tuple(_calc(v) for v in [*r, *[""] * (width - len(r))]) for r in rows))


def _from_serial(epoch: datetime, serial: float) -> datetime:
    moment = epoch + timedelta(days=serial)
    return moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))


def _calc(value: Any) -> Any:
    """A value as setDataArray takes it: numbers as floats, dates as serial numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return (value - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, date):
        return float((value - date(1899, 12, 30)).days)
    return value


def _spans(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    spans: list[tuple[int, int]] = []
    for row in rows:
        if spans and spans[-1][1] == row - 1:
            spans[-1] = (spans[-1][0], row)
        else:
            spans.append((row, row))
    return spans


def _plain_references(formula: str, layout: Layout) -> str:
    """Table[Column] -> the column's data range (our tables' own references only)."""
    tables = {t.name: t for t in layout.tables}

    def plain(match: re.Match[str]) -> str:
        table = tables.get(match.group(1))
        header = match.group(2).replace("'", "")
        if table is None or header not in [h.replace("'", "") for h in table.headers]:
            return match.group(0)
        letter = column_letter([h.replace("'", "") for h in table.headers].index(header) + 1)
        return f"{letter}{table.first_row + 1}:{letter}{table.last_row - table.totals}"

    return _STRUCTURED.sub(plain, formula)


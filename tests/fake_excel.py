"""An in-memory stand-in for the part of an xlwings Book that Back Office uses: exactly what
workbooks/live_excel.py and addin/ribbon.py call, behaving as xlwings over Excel does.

1-based rows and columns; `used_range` spans the non-empty cells (A1 on an empty sheet); one cell
reads as a scalar, a row or column as a list, `ndim=2` as a 2-D list; numbers come back as floats,
dates as datetimes, error cells as None or, with `err_to_str`, their code ("#N/A"). A 2-D list
assigned to a cell writes a block. A string written into a cell not formatted as Text ("@") is
taken as typed input, as Excel does (xlwings issues #1269, #2248): "00001" becomes 1, "2026-11-05"
a date, "#DIV/0!" an error; a leading apostrophe keeps text (`typed_entry=False`: strings kept as
written). Sheet names are unique and looked up ignoring case (`sheets.add` raises ValueError, as
xlwings does). `clear()` clears everything and, as Excel's Clear All does, drops the sheet's Tables;
xlwings' Table has no delete() and a Sheet here has no `.api` (LiveWorkbook's macOS fallback runs).
Formulas are kept as written (`Sheet.formulas`; the fake computes nothing: such a cell reads as
empty), charts as xlwings' `sheet.charts.add` received them (Clear All leaves them, as in Excel;
`Chart.delete()` removes one). Recorded: `Sheet.links`, `Sheet.fonts` (bold, size),
`Sheet.widths`, `Sheet.page_setup.print_area`, `App.alerts`/`status_bar`, `Book.saves`/`active`;
`fullname` is a real file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from workbooks.memory import EXCEL_ERRORS, ExcelError
from workbooks.model import TableRange, column_letter, column_number

Cell = tuple[int, int]
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _typed(text: str) -> object:
    """A string as Excel keeps it when it is typed (or written through COM) into a General cell."""
    if text.startswith("'"):
        return text[1:]
    if text in EXCEL_ERRORS:
        return ExcelError(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return datetime.fromisoformat(text) if _ISO_DATE.fullmatch(text) else text


def _stored(value: object, parse: bool) -> object:
    """A Python value as the cell keeps it (None: empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | datetime | ExcelError):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return _typed(value) if parse else value
    raise TypeError(f"xlwings cannot write a {type(value).__name__}")


def _cell(address: str) -> Cell:
    match = _ADDRESS.fullmatch(address)
    if match is None:
        raise ValueError(f"not a cell address: {address!r}")
    return int(match.group(2)), column_number(match.group(1))


@dataclass
class Note:
    sheet: Sheet
    cell: Cell

    def delete(self) -> None:
        del self.sheet.notes[self.cell]


class Range:
    """A rectangle of cells, 1-based and inclusive, with xlwings' read/write options."""

    def __init__(self, sheet: Sheet, first: Cell, last: Cell, options: dict[str, Any] | None = None):
        self.sheet, self.first, self.last, self._options = sheet, first, last, options or {}
        self.row, self.column = first

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.last, self.last)

    def options(self, **options: Any) -> Range:
        return Range(self.sheet, self.first, self.last, options)

    def _cells(self) -> list[Cell]:
        return [(r, c) for r in range(self.row, self.last[0] + 1)
                for c in range(self.column, self.last[1] + 1)]

    @property
    def value(self) -> Any:
        errors_as_text, ndim = self._options.get("err_to_str", False), self._options.get("ndim")
        rows = [[self.sheet.read((r, c), errors_as_text) for c in range(self.column, self.last[1] + 1)]
                for r in range(self.row, self.last[0] + 1)]
        if ndim == 2:
            return rows
        if ndim is None and len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return [v for row in rows for v in row] if len(rows) == 1 or len(rows[0]) == 1 else rows

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, list | tuple):
            data = [[data]]
        elif not data or not isinstance(data[0], list | tuple):
            data = [data]
        if self._options.get("transpose"):
            data = [list(column) for column in zip(*data, strict=True)]
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                self.sheet.write((self.row + i, self.column + j), value)

    @property
    def address(self) -> str:
        """"$A$1:$B$3", as xlwings gives it."""
        def ref(cell: Cell) -> str:
            return f"${column_letter(cell[1])}${cell[0]}"
        return ref(self.first) if self.first == self.last else f"{ref(self.first)}:{ref(self.last)}"

    @property
    def formula(self) -> str | None:
        return self.sheet.formulas.get(self.first)

    @formula.setter
    def formula(self, text: str) -> None:
        for cell in self._cells():
            self.sheet.values.pop(cell, None)
            self.sheet.formulas[cell] = text

    @property
    def font(self) -> Font:
        return Font(self)

    def _set_width(self, width: float) -> None:
        for c in range(self.column, self.last[1] + 1):
            self.sheet.widths[c] = width

    column_width = property(None, _set_width)

    def _set_format(self, fmt: str) -> None:
        self.sheet.formats.update(dict.fromkeys(self._cells(), fmt))

    number_format = property(None, _set_format)

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self.sheet.colors.get(self.first)

    @color.setter
    def color(self, rgb: tuple[int, int, int] | None) -> None:
        for cell in self._cells():
            if rgb is None:
                self.sheet.colors.pop(cell, None)
            else:
                self.sheet.colors[cell] = (int(rgb[0]), int(rgb[1]), int(rgb[2]))

    @property
    def note(self) -> Note | None:
        return Note(self.sheet, self.first) if self.first in self.sheet.notes else None

    def add_note(self, text: str) -> Note:
        if not isinstance(text, str) or not text:
            raise ValueError("Note text must be a non-empty string")
        if self.first != self.last or self.note is not None:
            raise ValueError("A note goes on a single cell that has none")
        self.sheet.notes[self.first] = text
        return Note(self.sheet, self.first)

    def add_hyperlink(self, address: str, text_to_display: str | None = None,
                      screen_tip: str | None = None) -> None:
        self.sheet.links[self.first] = address
        self.sheet.values[self.first] = text_to_display or address


@dataclass
class Font:
    """A range's font: setting bold or size records it for each cell."""

    range: Range

    def _set(self, key: str, value: object) -> None:
        for cell in self.range._cells():
            self.range.sheet.fonts.setdefault(cell, {})[key] = value

    bold = property(None, lambda self, value: self._set("bold", value))
    size = property(None, lambda self, value: self._set("size", value))


@dataclass
class Areas:
    """A multi-area range ("A2:A5,C2:C5"), as a chart's source."""

    sheet: Sheet
    address: str


@dataclass
class Chart:
    """An embedded chart, as `sheet.charts.add` received it."""

    sheet: Sheet
    name: str
    chart_type: str
    source: str
    anchor: str
    width: float
    height: float
    plot_by: str | None = None
    title: str | None = None

    def delete(self) -> None:
        self.sheet.charts.remove(self)


class Charts(list[Chart]):
    def __init__(self, sheet: Sheet) -> None:
        super().__init__()
        self.sheet = sheet

    def add(self, left: float = 0, top: float = 0, width: float = 355, height: float = 211,
            chart_type: str | None = None, source: Range | Areas | None = None,
            plot_by: str | None = None, name: str | None = None, anchor: Range | None = None,
            style: int | None = 227) -> Chart:
        if anchor is not None and (left or top):
            raise ValueError("Use either anchor or left/top")
        chart = Chart(self.sheet, name or f"Chart {len(self) + 1}", chart_type or "column_clustered",
                      source.address if source is not None else "",
                      anchor.address if anchor is not None else "", width, height, plot_by)
        self.append(chart)
        return chart


@dataclass
class PageSetup:
    print_area: str | None = None


@dataclass
class Table:
    """An Excel Table (ListObject): a name and its range, header row (and totals row, when
    `show_totals`) included."""

    name: str
    range: Range
    show_totals: bool = False

    @property
    def api(self) -> TableApi:
        """The COM ListObject, for its Delete()."""
        return TableApi(self)


@dataclass
class TableApi:
    table: Table

    def Delete(self) -> None:  # the COM method's name
        self.table.range.sheet.tables.remove(self.table)


class Tables(list[Table]):
    def __init__(self, sheet: Sheet) -> None:
        super().__init__()
        self.sheet = sheet

    def add(self, source: Range, name: str) -> Table:
        if name.casefold() in {t.name.casefold() for s in self.sheet.book.sheets for t in s.tables}:
            raise ValueError(f"A table named {name} already exists")
        self.append(Table(name, source))
        return self[-1]


class Sheet:
    """A worksheet: its cells' values, formats, fills, notes and links keyed by (row, column)."""

    def __init__(self, book: Book, name: str) -> None:
        self.book, self.name, self.visible = book, name, True
        self.values: dict[Cell, object] = {}
        self.formats: dict[Cell, str] = {}
        self.colors: dict[Cell, tuple[int, int, int]] = {}
        self.notes: dict[Cell, str] = {}
        self.links: dict[Cell, str] = {}
        self.formulas: dict[Cell, str] = {}
        self.fonts: dict[Cell, dict[str, object]] = {}
        self.widths: dict[int, float] = {}
        self.tables, self.autofits = Tables(self), list[str | None]()
        self.charts, self.page_setup = Charts(self), PageSetup()

    def __getitem__(self, address: str) -> Range:
        return self.range(address)

    def range(self, first: str | Cell, last: Cell | None = None) -> Range:
        if isinstance(first, str) and "," in first:
            return Areas(self, ",".join(self.range(a).address for a in first.split(",")))  # type: ignore[return-value]
        if isinstance(first, str):
            start, _, end = first.partition(":")
            first, last = _cell(start), _cell(end) if end else None
        return Range(self, first, last or first)

    @property
    def used_range(self) -> Range:
        if not self.values:
            return Range(self, (1, 1), (1, 1))
        rows, cols = [r for r, _ in self.values], [c for _, c in self.values]
        return Range(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear(self) -> None:
        for cells in (self.values, self.formats, self.colors, self.notes, self.links, self.formulas,
                      self.fonts):
            cells.clear()
        self.tables.clear()

    def autofit(self, axis: str | None = None) -> None:
        self.autofits.append(axis)

    def activate(self) -> None:
        self.book.active = self

    def read(self, cell: Cell, errors_as_text: bool) -> object:
        value = self.values.get(cell)
        if isinstance(value, ExcelError):
            return value.code if errors_as_text else None
        return value

    def write(self, cell: Cell, value: object, typed: bool = True) -> None:
        stored = _stored(value, typed and self.book.typed_entry and self.formats.get(cell) != "@")
        if stored is None:
            self.values.pop(cell, None)
        else:
            self.values[cell] = stored
        self.formulas.pop(cell, None)


class Sheets:
    """The book's sheets in tab order."""

    def __init__(self, book: Book) -> None:
        self.book, self._sheets = book, list[Sheet]()

    def __iter__(self) -> Any:
        return iter(list(self._sheets))

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._sheets[key]
        found = [s for s in self._sheets if s.name.casefold() == key.casefold()]
        if not found:
            raise KeyError(f"no sheet named {key!r}")
        return found[0]

    def add(self, name: str, after: Sheet | None = None) -> Sheet:
        if name.lower() in (s.name.lower() for s in self._sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        at = len(self._sheets) if after is None else self._sheets.index(after) + 1
        self._sheets.insert(at, Sheet(self.book, name))
        return self._sheets[at]


class App:
    """The Excel application: the status bar and the message boxes shown, recorded."""

    def __init__(self) -> None:
        self.status_bar: str | bool = False
        self.alerts: list[tuple[str | None, str]] = []

    def alert(self, prompt: str, title: str | None = None) -> str:
        self.alerts.append((title, prompt))
        return "ok"


class Book:
    """An open workbook: `sheets` maps names to rows from A1 as the user typed them (ExcelError
    values are error cells); `tables` lists each sheet's Excel Tables."""

    def __init__(self, path: Path, sheets: dict[str, list[list[object]]] | None = None,
                 tables: dict[str, list[TableRange]] | None = None, *, typed_entry: bool = True):
        self.fullname, self.name, self._file = str(path), path.name, path
        self.app, self.sheets, self.typed_entry = App(), Sheets(self), typed_entry
        self.saves, self.active = 0, None
        for name, rows in (sheets or {}).items():
            ws = self.sheets.add(name)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    ws.write((r, c), value, typed=False)
        for name, ranges in (tables or {}).items():
            ws = self.sheets[name]
            for t in ranges:
                ws.tables.add(ws.range((t.min_row, t.min_col), (t.max_row, t.max_col)), t.name)
        path.write_bytes(b"fake workbook, saved 0 times")

    def save(self) -> None:
        self.saves += 1
        self._file.write_bytes(f"fake workbook, saved {self.saves} times".encode())

"""The live-Excel adapter: the same Workbook protocol over an open xlwings Book.

Thin on purpose: values come from xlwings as a 2-D list (read with err_to_str so error cells are
reported, not turned into blanks) and go through the same `cells_to_grid` as the in-memory
adapter. Excel itself keeps the file: we write into the open book and leave saving to Excel.
Only the open-source part of xlwings is used.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.errors import UnsafeWrite
from workbooks.memory import EXCEL_ERRORS, cells_to_grid
from workbooks.model import CellKind, Grid, Mark, OutputSheet, OutputValue, TableRange

STATE_SHEET = "_BackOffice"
EXCEL_FORMATS = {CellKind.MONEY: "#,##0.00", CellKind.DATE: "yyyy-mm-dd", CellKind.INTEGER: "0",
                 CellKind.PERCENT: "0.00%", CellKind.TEXT: "@", CellKind.NUMBER: "General"}
MARK_COLOURS = {"error": (255, 199, 206), "warning": (255, 235, 156)}
_VERY_HIDDEN = 2  # xlSheetVeryHidden
OWNED_KEY = "owned sheet"  # the state sheet's keys, as the file adapter's (workbooks/xlsx_file.py)
MARK_KEY = "live mark"  # ours alone: the file adapter's "mark" rows hold style indexes


class LiveWorkbook:
    """A workbook open in Excel, reached through an xlwings Book (e.g. xw.Book.caller())."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.staged: dict[str, OutputSheet] = {}
        self.staged_marks: list[Mark] | None = None

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

    def write_sheet(self, sheet: OutputSheet) -> None:
        """Stage an output sheet."""
        self.staged[sheet.name] = sheet

    def set_marks(self, marks: list[Mark]) -> None:
        """Stage this run's marks."""
        self.staged_marks = list(marks)

    def save(self) -> list[str]:
        """Write the staged sheets and marks into the open book."""
        state = self._state()
        owned: dict[str, list[Any]] = state["owned"]  # casefolded name -> its state row
        existing = {n.casefold(): n for n in self.sheet_names()}  # Excel ignores case in names
        for name in self.staged:
            found = existing.get(name.casefold())
            if found is not None and name.casefold() not in owned:
                raise UnsafeWrite(f'The sheet "{found}" was not made by Back Office; rename it '
                                  "so the results can be written.")
        for sheet in self.staged.values():
            self._write(sheet)
        if self.staged_marks is not None:
            state["marks"] = self._apply_marks(state["marks"], self.staged_marks)
        for name in [*self.staged, STATE_SHEET]:
            owned.setdefault(name.casefold(), [OWNED_KEY, name])
        self._save_state(state)
        written, self.staged, self.staged_marks = list(self.staged), {}, None
        return written

    def _write(self, sheet: OutputSheet) -> None:
        names = [s.name.casefold() for s in self.book.sheets]
        if sheet.name.casefold() in names:
            ws = self.book.sheets[sheet.name]
            for table in list(ws.tables):
                _delete_table(table)
            ws.clear()
        else:
            ws = self.book.sheets.add(sheet.name, after=self.book.sheets[len(names) - 1])
        rows = [[c.header for c in sheet.columns], *[[_excel(v) for v in r] for r in sheet.rows]]
        # Formats first: Excel parses a string written into a General cell as typed input
        # ("000..." becomes 0, "2026-11-05" a date, "#N/A" an error cell).
        ws.range((1, 1), (1, len(sheet.columns))).number_format = "@"
        for i, column in enumerate(sheet.columns, start=1):
            ws.range((2, i), (max(2, len(rows)), i)).number_format = EXCEL_FORMATS[column.kind]
        ws["A1"].value = rows
        ws.tables.add(source=ws.range((1, 1), (max(2, len(rows)), len(sheet.columns))),
                      name=sheet.table_name)
        for (r, c), location in sheet.links.items():
            cell = ws.range((r + 2, c + 1))
            cell.add_hyperlink("#" + location, str(cell.value))
        ws.autofit(axis="columns")

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

"""The in-memory workbook: the reference adapter used in tests, and the shape of live values.

`cells_to_grid` is also used by the live-Excel adapter: both start from a 2-D list of Python
values (what xlwings returns) and turn it into the text Grid every adapter hands to reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from workbooks.model import Grid, Mark, OutputSheet, TableRange, text_column

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!"}
)


@dataclass(frozen=True)
class ExcelError:
    """An error cell (#N/A, #DIV/0!...), as opposed to a text that looks like one."""

    code: str


def cell_text(value: object) -> str | None:
    """A Python cell value as the text form of Grid (None for empty)."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)


def cells_to_grid(sheet: str, rows: list[list[object]], first_row: int = 1, first_col: int = 1,
                  tables: list[TableRange] | None = None, error_codes: frozenset[str] = frozenset()
                  ) -> Grid:
    """A Grid from a 2-D list of values. ExcelError values (and, for live Excel read with
    err_to_str, strings in `error_codes`) become entries of Grid.errors."""
    width = max((len(r) for r in rows), default=0)
    texts: list[list[str | None]] = []
    errors: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        out: list[str | None] = []
        for c in range(width):
            value = row[c] if c < len(row) else None
            if isinstance(value, ExcelError) or (isinstance(value, str) and value in error_codes):
                errors[(first_row + r, first_col + c)] = getattr(value, "code", value)
                out.append(None)
            else:
                out.append(cell_text(value))
        texts.append(out)
    columns = {first_col + c: text_column(pa.array([row[c] for row in texts], pa.string()))
               for c in range(width)}
    return Grid(sheet, first_row, pd.DataFrame(columns), errors, list(tables or []))


@dataclass
class MemoryWorkbook:
    """A workbook held in memory: sheets as 2-D lists starting at A1."""

    book_name: str = "memory.xlsx"
    sheets: dict[str, list[list[object]]] = field(default_factory=dict)
    tables: dict[str, list[TableRange]] = field(default_factory=dict)
    outputs: dict[str, OutputSheet] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)
    saves: int = 0
    _staged: dict[str, OutputSheet] = field(default_factory=dict)
    _staged_marks: list[Mark] | None = None

    @property
    def name(self) -> str:
        """The workbook's name."""
        return self.book_name

    def sheet_names(self) -> list[str]:
        """Input sheets then output sheets, in insertion order."""
        return list(self.sheets) + [n for n in self.outputs if n not in self.sheets]

    def grid(self, sheet: str) -> Grid:
        """The sheet as a Grid; output sheets read back as their header + values."""
        if sheet in self.sheets:
            rows = self.sheets[sheet]
            first = next((i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)), 0)
            return cells_to_grid(sheet, rows[first:], first + 1, 1, self.tables.get(sheet, []))
        output = self.outputs[sheet]
        values: list[list[object]] = [[c.header for c in output.columns], *output.rows]
        last = len(values)
        table = TableRange(output.table_name, 1, 1, last, len(output.columns))
        return cells_to_grid(sheet, values, 1, 1, [table])

    def write_sheet(self, sheet: OutputSheet) -> None:
        """Stage an output sheet."""
        self._staged[sheet.name] = sheet

    def set_marks(self, marks: list[Mark]) -> None:
        """Stage this run's marks (they replace the previous run's)."""
        self._staged_marks = list(marks)

    def save(self) -> list[str]:
        """Apply what was staged."""
        written = list(self._staged)
        self.outputs.update(self._staged)
        self._staged = {}
        if self._staged_marks is not None:
            self.marks, self._staged_marks = self._staged_marks, None
        self.saves += 1
        return written

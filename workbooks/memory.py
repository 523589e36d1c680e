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
import pyarrow.compute as pc

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
    err_to_str, strings in `error_codes`) become entries of Grid.errors.

    Works column by column: a column of only text, or only numbers, is converted in one Arrow
    call (a 10,000-row range passed to a formula function must take milliseconds)."""
    lengths = set(map(len, rows))
    width = max(lengths, default=0)
    errors: dict[tuple[int, int], str] = {}
    columns = {}
    if len(lengths) <= 1:  # a rectangle, as Excel passes: transpose in C
        by_column = [list(column) for column in zip(*rows, strict=True)]
    else:
        by_column = [[row[c] if c < len(row) else None for row in rows] for c in range(width)]
    for c, values in enumerate(by_column):
        kinds = set(map(type, values))
        if ExcelError in kinds or (str in kinds and error_codes):
            for r, value in enumerate(values):
                if isinstance(value, ExcelError) or (type(value) is str and value in error_codes):
                    errors[(first_row + r, first_col + c)] = getattr(value, "code", value)
                    values[r] = None
        columns[first_col + c] = text_column(_column_text(values))
    return Grid(sheet, first_row, pd.DataFrame(columns), errors, list(tables or []))


def _column_text(values: list[object]) -> pa.Array:
    """A column's cells as text, the same as `cell_text` cell by cell. A column of one type
    (a header cell above it aside) is converted in one Arrow call."""
    fast = _typed_text(values)
    if fast is not None:
        return fast
    rest = _typed_text(values[1:]) if values else None
    if rest is not None:  # a header above numbers or dates
        return pa.concat_arrays([pa.array([cell_text(values[0])], pa.string()), rest])
    return pa.array([cell_text(v) for v in values], pa.string())


def _typed_text(values: list[object]) -> pa.Array | None:
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:
        return pa.array(values, pa.string())
    if kinds <= {datetime}:
        if any(v is not None and v.tzinfo is not None for v in values):  # type: ignore[union-attr]
            values = [None if v is None else v.replace(tzinfo=None) for v in values]  # type: ignore[union-attr]
        return pc.cast(pa.array(values, pa.timestamp("s")), pa.string())  # "2026-10-31 00:00:00"
    if kinds <= {int}:
        return pc.cast(pa.array(values, pa.int64()), pa.string())
    if kinds <= {float, int}:  # shortest round-trip text; + 0.0 turns -0.0 into 0
        numbers = pc.add(pa.array(values, pa.float64()), 0.0)
        largest = pc.max(pc.abs(numbers)).as_py()
        if pc.all(pc.fill_null(pc.is_finite(numbers), True)).as_py() and (largest is None or largest < 1e16):
            whole = pc.equal(pc.floor(numbers), numbers)
            as_int = pc.cast(pc.cast(numbers, pa.int64(), safe=False), pa.string())
            return pc.if_else(whole, as_int, pc.cast(numbers, pa.string()))
    return None


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

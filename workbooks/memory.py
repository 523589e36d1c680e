"""The in-memory workbook: the reference adapter used in tests, and the shape of live values.

`cells_to_grid` (rows) and `columns_to_grid` (columns, as the formula door reads a range) are
also used by the live-Excel adapter and the formula functions: all start from Python values
(what xlwings returns) and turn them into the text Grid every adapter hands to reading.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbooks.layout import LaidCell, lay_out
from workbooks.model import Formula, Grid, Mark, OutputSheet, TableRange, text_column

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!"}
)
# An error cell as COM hands it over (VT_ERROR): 0x800A0000 + Excel's XlCVError code, as a
# signed 32-bit int. xlwings' err_to_str names the first seven (xlwings._xlwindows.cell_errors).
COM_ERROR_BASE = -2146828288
XL_ERROR_CODES = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!",
}
COM_ERRORS = {COM_ERROR_BASE + code: name for code, name in XL_ERROR_CODES.items()}


def com_error(value: object) -> str | None:
    """The error a COM error number stands for ("#N/A"...; "#UNKNOWN!" for a code Excel may add
    later), or None when `value` is not one."""
    if type(value) is int and 2000 <= value - COM_ERROR_BASE < 2100:
        return COM_ERRORS.get(value, "#UNKNOWN!")
    return None


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


def cells_to_grid(sheet: str, rows: Sequence[Sequence[object]], first_row: int = 1, first_col: int = 1,
                  tables: list[TableRange] | None = None, error_codes: frozenset[str] = frozenset()
                  ) -> Grid:
    """A Grid from a 2-D list of values (rows); see `columns_to_grid`."""
    return columns_to_grid(sheet, transpose(rows), first_row, first_col, tables, error_codes)


def transpose(rows: Sequence[Sequence[object]]) -> list[Sequence[object]]:
    """Rows to columns; short rows are padded with None."""
    lengths = set(map(len, rows))
    if len(lengths) <= 1:  # a rectangle, as Excel passes: transposed in C
        return list(zip(*rows, strict=True))
    return [[row[c] if c < len(row) else None for row in rows] for c in range(max(lengths))]


def columns_to_grid(sheet: str, columns: Sequence[Sequence[object]], first_row: int = 1,
                    first_col: int = 1, tables: list[TableRange] | None = None,
                    error_codes: frozenset[str] = frozenset(),
                    kinds: Sequence[set[type]] | None = None) -> Grid:
    """A Grid from a range's columns (all of one length). ExcelError values become entries of
    Grid.errors; so do, for live Excel read with err_to_str (`error_codes` given), the strings in
    `error_codes` and COM error numbers.

    Each column is turned into text type by type (`column_text`): its numbers in one Arrow
    call, its texts in another, so a 10,000-row range passed to a formula function takes
    milliseconds, whatever mix of header, numbers, dates and typos a column holds. `kinds`:
    each column's set(map(type, column)), when the caller has them."""
    errors: dict[tuple[int, int], str] = {}
    frame = {}
    shown = pa.array(sorted(error_codes), pa.string())
    prefix = "#" if all(code.startswith("#") for code in error_codes) else ""  # a quick look first
    for c, values in enumerate(columns):
        types = set(map(type, values)) if kinds is None else kinds[c]
        if ExcelError in types or (error_codes and not types <= _TEXT_SAFE
                                   and not all(issubclass(t, date) for t in types - _TEXT_SAFE)):
            found = _error_cells(values, error_codes)  # cell by cell: rare
            if found:
                cells = list(values)
                for r, code in found:
                    errors[(first_row + r, first_col + c)] = code
                    cells[r] = None
                values, types = cells, set(map(type, cells))
            text = column_text(values, types)
        else:
            text = column_text(values, types)
            # A text showing an error ("#N/A"...): found in the column's text.
            if error_codes and str in types and pc.any(pc.starts_with(text, prefix)).as_py():
                hit = pc.fill_null(pc.is_in(text, value_set=shown), False)
                if pc.any(hit).as_py():
                    for at in np.flatnonzero(hit.to_numpy(zero_copy_only=False)).tolist():
                        errors[(first_row + at, first_col + c)] = text[at].as_py()
                    text = pc.if_else(hit, pa.scalar(None, pa.string()), text)
        frame[first_col + c] = text_column(text)
    return Grid(sheet, first_row, pd.DataFrame(frame), errors, list(tables or []))


# Types whose text never shows an error but a str's own: their error cells are found in the
# column's text at once. (Other types, COM error numbers among them, go cell by cell.)
_TEXT_SAFE = frozenset({str, float, bool, Decimal, type(None)})


def _error_cells(values: Sequence[object], error_codes: frozenset[str]) -> list[tuple[int, str]]:
    """(index, error) of a column's error cells, cell by cell."""
    found = []
    for r, value in enumerate(values):
        kind = type(value)
        if kind is ExcelError:
            found.append((r, value.code))  # type: ignore[attr-defined]
        elif kind is str and value in error_codes:
            found.append((r, str(value)))
        elif kind is int and error_codes and (name := com_error(value)) is not None:
            found.append((r, name))
    return found


_NONE = type(None)
_NULLABLE = (str, float, int)  # Arrow takes None among these as a null
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_YEAR_1000 = date(1000, 1, 1).toordinal() - _EPOCH_DAY
_MIDNIGHT = {time()}


def column_text(values: Sequence[object], kinds: set[type] | None = None) -> pa.Array:
    """A column's cells as text, exactly as `cell_text` gives them cell by cell (null for
    empty; "" may stay "", which text_column blanks). The cells of each type are converted
    together in Arrow and put in place; only what Arrow would write differently (an exponent,
    a year before 1000, Decimal, bool...) goes through `cell_text`. `kinds` is
    set(map(type, values)) when the caller has it."""
    kinds = set(map(type, values)) if kinds is None else kinds
    present = kinds - {_NONE}
    if not present:
        return pa.nulls(len(values), pa.string())
    if len(present) == 1 and (_NONE not in kinds or next(iter(present)) in _NULLABLE):
        return _typed_text(values, next(iter(present)))
    if len(present) > 1:  # a header above a body of other types: the body on its own
        body = set(map(type, itertools.islice(values, 1, None)))
        if type(values[0]) not in body:
            return pa.concat_arrays([column_text(values[:1]), column_text(values[1:], body)])
    # A mix (a typo among numbers, blanks among dates): the most common type converted at
    # once, then the other cells put in (their own mix, recursively).
    types = list(map(type, values))
    counts = {kind: types.count(kind) for kind in (*present, _NONE)}
    major = max(present, key=counts.__getitem__)
    others = _positions(types, [kind for kind in present if kind is not major],
                        len(values) - counts[major] - counts[_NONE])
    cells = list(values)
    if major in _NULLABLE:
        for i in others:
            cells[i] = None
        text = _typed_text(cells, major)
    else:  # Arrow is not given these: the other cells and blanks stand in as a value of the type
        blanks = _positions(types, [_NONE], counts[_NONE])
        stand_in = values[types.index(major)]
        for i in (*others, *blanks):
            cells[i] = stand_in
        text = _typed_text(cells, major)
        if blanks:
            text = _put(text, blanks, pa.nulls(len(blanks), pa.string()))
    return _put(text, others, column_text([values[i] for i in others])) if others else text


def _positions(types: list[type], kinds: list[type], count: int) -> list[int]:
    """Where the cells of these types are (`count` of them), in order. A few (a header, some
    typos) are found with list.index, at C speed."""
    if count > 64:
        wanted = set(kinds)
        return [i for i, kind in enumerate(types) if kind in wanted]
    found = []
    for kind in kinds:
        at = -1
        for _ in range(types.count(kind)):
            at = types.index(kind, at + 1)
            found.append(at)
    return sorted(found)


def _put(text: pa.Array, positions: list[int], replacements: pa.Array) -> pa.Array:
    mask = np.zeros(len(text), dtype=bool)
    mask[positions] = True
    return pc.replace_with_mask(text, pa.array(mask), replacements)


def _typed_text(values: Sequence[object], kind: type) -> pa.Array:
    """Text of cells all of type `kind` (with None among them for str, float and int)."""
    if kind is str:
        return pa.array(values, pa.string())
    if kind is float:
        return _float_text(values)
    if kind is int:
        try:
            return pc.cast(pa.array(values, pa.int64()), pa.string())
        except (OverflowError, pa.ArrowException):  # beyond 64 bits
            pass
    elif issubclass(kind, date):  # datetimes of any kind (COM dates too), dates
        return _date_text(values, kind)
    return pa.array([cell_text(v) for v in values], pa.string())


def _date_text(values: Sequence[Any], kind: type[date]) -> pa.Array:
    """ "YYYY-MM-DD HH:MM:SS" from the day and the clock time shown (a time zone is ignored
    and fractions of a second cut, as strftime does), computed from day numbers: no datetime
    is built per cell. strftime writes a year before 1000 with fewer digits: such a column
    goes cell by cell."""
    days = np.fromiter(map(kind.toordinal, values), np.int64, len(values)) - _EPOCH_DAY
    seconds = days * 86400
    if issubclass(kind, datetime):
        clock = list(map(kind.time, values))
        if set(clock) != _MIDNIGHT:
            seconds += np.fromiter((t.hour * 3600 + t.minute * 60 + t.second for t in clock),
                                   np.int64, len(clock))
    if len(days) and days.min() < _YEAR_1000:
        return pa.array([cell_text(v) for v in values], pa.string())
    return pc.cast(pa.array(seconds, pa.timestamp("s")), pa.string())


def _float_text(values: Sequence[object]) -> pa.Array:
    """Whole numbers below 1e16 as integers, fractions in shortest round-trip form (repr):
    Arrow writes a fraction as repr does between 1e-4 and 1e10; the rest (tiny, huge, NaN,
    infinite) go through `cell_text`."""
    numbers = pc.add(pa.array(values, pa.float64()), 0.0)  # + 0.0 turns -0.0 into 0
    size = pc.abs(numbers)
    whole = pc.and_(pc.equal(pc.floor(numbers), numbers), pc.less(size, 1e16))
    as_int = pc.cast(pc.cast(pc.if_else(whole, numbers, 0.0), pa.int64()), pa.string())
    if pc.all(whole).as_py():  # (nulls aside) a column of whole numbers: no fraction to write
        return as_int
    text = pc.if_else(whole, as_int, _shortest_text(numbers))
    plain = pc.and_(pc.greater_equal(size, 1e-4), pc.less(size, 1e10))
    odd = pc.fill_null(pc.invert(pc.or_(whole, plain)), False)
    if pc.any(odd).as_py():
        rows = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
        text = pc.replace_with_mask(text, odd, pa.array([cell_text(values[i]) for i in rows.tolist()],
                                                         pa.string()))
    return text


def _shortest_text(numbers: pa.Array) -> pa.Array:
    """Arrow's shortest round-trip text of each number; a value repeated down the column (rates,
    quantities, prices from a list) is written once."""
    encoded = pc.dictionary_encode(numbers)
    if len(encoded.dictionary) * 4 <= len(numbers):
        return pc.take(pc.cast(encoded.dictionary, pa.string()), encoded.indices)
    return pc.cast(numbers, pa.string())


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
        layout = lay_out(self.outputs[sheet])
        values: list[list[object]] = [[None] * layout.last_col for _ in range(layout.last_row)]
        for cell in layout.cells():  # a formula reads as its cached value, as from a file
            value = cell.value.cached if isinstance(cell.value, Formula) else cell.value
            values[cell.row - 1][cell.col - 1] = value
        first = layout.first_row
        tables = [TableRange(t.name, t.first_row, 1, t.last_row - t.totals, t.last_col)
                  for t in layout.tables]  # a totals row is not data
        return cells_to_grid(sheet, values[first - 1:], first, 1, tables)

    def output_cells(self, sheet: str) -> dict[str, LaidCell]:
        """The saved output sheet's cells by reference ("E7"): value or Formula (text and
        cached value), kind, currency, bold, link. For tests and previews."""
        return {cell.ref: cell for cell in lay_out(self.outputs[sheet]).cells()}

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

"""The shapes that cross the Workbook protocol: raw grids in, output sheets and marks out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """A -> 1, AA -> 27."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


@dataclass(frozen=True)
class TableRange:
    """An Excel Table (ListObject) on a sheet: its name and 1-based inclusive bounds."""

    name: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass
class Grid:
    """A sheet's used area as text, the way every adapter hands it to reading.

    `frame` has one column per sheet column, labelled by its 1-based Excel column number, and one
    row per sheet row from `first_row`. Columns are Arrow strings (see `text_column`): each
    cell is its value as text, exactly as stored (numbers in shortest round-trip form, dates as
    "YYYY-MM-DD HH:MM:SS", booleans "true"/"false"), or null when empty. Error cells
    (#N/A, #DIV/0!...) are null in `frame` and listed in `errors` by (row, col), so they are
    reported instead of silently read as blanks.
    """

    sheet: str
    first_row: int
    frame: pd.DataFrame
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    tables: list[TableRange] = field(default_factory=list)

    def rows(self) -> list[list[str | None]]:
        """The cells as Python lists (None for empty): for small sheets only."""
        columns = [self.frame[c].array.__arrow_array__().to_pylist() for c in self.frame.columns]
        return [list(row) for row in zip(*columns, strict=True)]


TEXT = pd.ArrowDtype(pa.string())


def text_column(values: pa.Array | pa.ChunkedArray, trim: bool = False) -> pd.Series:
    """A column of text cells as Arrow strings, empty cells (and with `trim`, blank ones) null."""
    strings = pc.cast(values, pa.string())
    if trim:
        strings = pc.utf8_trim_whitespace(strings)
    cleaned = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    return pd.Series(pd.arrays.ArrowExtensionArray(cleaned), index=None, dtype=TEXT)


class CellKind(StrEnum):
    """How an output cell is typed and formatted."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"


OutputValue = str | int | float | Decimal | date | datetime | None


@dataclass(frozen=True)
class OutputColumn:
    """A column of a tool-owned output sheet."""

    header: str
    kind: CellKind = CellKind.TEXT
    width: float | None = None


@dataclass
class OutputSheet:
    """A tool-owned sheet, written as an Excel Table and replaced on every run.

    `links` maps (row index in `rows`, column index) to an in-workbook location such as
    "'Orders'!E7", written as a hyperlink on that cell.
    """

    name: str
    columns: list[OutputColumn]
    rows: list[list[OutputValue]]
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    table_name: str = ""

    def __post_init__(self) -> None:
        if not self.table_name:
            self.table_name = "BO_" + "".join(ch for ch in self.name if ch.isalnum())


class MarkLevel(StrEnum):
    """Errors are marked red, warnings amber."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Mark:
    """A fill and a note the tool puts on an input cell, removed exactly on the next run."""

    sheet: str
    cell: str
    level: MarkLevel
    note: str


class Workbook(Protocol):
    """What jobs need from a workbook, whatever holds it (memory, a file, live Excel)."""

    @property
    def name(self) -> str:
        """The workbook's file name (for messages and the audit log)."""
        ...

    def sheet_names(self) -> list[str]:
        """Every worksheet name, in tab order."""
        ...

    def grid(self, sheet: str) -> Grid:
        """The used area of a sheet as text (see Grid)."""
        ...

    def write_sheet(self, sheet: OutputSheet) -> None:
        """Stage a tool-owned output sheet (replaces the previous one on save)."""
        ...

    def set_marks(self, marks: list[Mark]) -> None:
        """Stage the marks of this run: previous tool marks are removed, these are put."""
        ...

    def save(self) -> list[str]:
        """Write what was staged; return the names of the sheets written."""
        ...

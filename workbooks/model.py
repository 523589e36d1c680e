"""The shapes that cross the Workbook protocol: raw grids in, output sheets and marks out.

Output sheets for reports (how a flow builds one)
-------------------------------------------------

An `OutputSheet` is data: every adapter (file, live Excel, memory) lays it out the same way
(`workbooks.layout`). A plain one-table sheet is still `OutputSheet(name, columns, rows, links)`.
A report sheet is a list of `Block`s, stacked top to bottom with one blank row between them,
each with an optional heading (bold, larger), a header row, its rows and an optional totals row,
written as an Excel Table (`table=True`, the default) or as a plain styled range::

    from decimal import Decimal
    from workbooks.model import (Block, Chart, ChartKind, CellKind as K, Formula,
                                 OutputColumn as Col, OutputSheet)

    sheet = OutputSheet("Close Report", currency="BRL")            # money shown as "R$" #,##0.00
    sheet.add(Block([Col("Account"), Col("Debit", K.MONEY), Col("Credit", K.MONEY)],
                    rows, heading="Trial balance", totals=("Debit", "Credit")))
    tb = sheet.place(0)                                # where block 0 lands (rows, columns)
    sheet.add(Block([Col("Check"), Col("Difference", K.MONEY)],
                    [["Debits = credits",
                      Formula(f"={tb.total('Debit')}-{tb.total('Credit')}", Decimal("0.00"))]],
                    heading="Checks", table=False))
    sheet.charts.append(Chart(ChartKind.COLUMN, block=0, categories="Account",
                              values=("Debit", "Credit"), title="Balances"))

- A `Formula` is a cell holding the formula and the engine's value of it (`cached`): Excel and
  every reader (fastexcel, viewers) show the cached value without recalculating, so it must be
  the engine's exact figure. Use only functions LibreOffice 7.4 computes too (SUM, SUMIFS,
  COUNTIFS, INDEX/MATCH, VLOOKUP, ROUND, IF...; never XLOOKUP, LET, FILTER).
- `totals` sums those columns in a totals row: `SUBTOTAL(109,Table[Col])` in a table, `SUM(...)`
  in a plain block; its cached value is the exact Decimal sum of the column's values.
- `sheet.place(i)` gives block i's cells as A1 text: `.cell(row, "Net")`, `.column("Net")`
  (the data range), `.total("Net")`; `absolute=True`/`sheet=True` give `$E$3` /
  `'Close Report'!$E$3` for references from other blocks or sheets. A block's place depends only
  on the blocks before it, so add blocks in order and refer back (or forward, once added).
- `Chart(kind, block, categories, values)` plots a block's data rows (bar, column, line, pie;
  a pie takes the first value column), anchored at `anchor` (default: right of the blocks).
  The chart XML is made by XlsxWriter and transplanted into the package (workbooks/xlsx/charts.py).
- Money: `CellKind.MONEY` shows the sheet's `currency` (or the column's own `currency`) as its
  symbol ("R$", "$", "€"...) or, for another code, the code itself; no currency: #,##0.00.
- Payslips: `printable=True` sets a print area over the blocks and fit-to-width, and a block with
  `page_break_before=True` starts a new printed page. `bold_rows` makes rows of a block bold.
"""

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

    `numbers` (a file adapter's typed read, see workbooks/xlsx/typed_cells.py) holds, for some
    columns, the value of each number cell as a float64 Arrow column (null where the cell is no
    number); the frame then holds only those columns' other cells as text. Reading gives such a
    column the values the text of its number cells would give.
    """

    sheet: str
    first_row: int
    frame: pd.DataFrame
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    tables: list[TableRange] = field(default_factory=list)
    numbers: dict[int, pa.Array] = field(default_factory=dict)

    def rows(self) -> list[list[str | None]]:
        """The cells as Python lists (None for empty): for small sheets only."""
        columns = [self.frame[c].array.__arrow_array__().to_pylist() for c in self.frame.columns]
        return [list(row) for row in zip(*columns, strict=True)]


TEXT = pd.ArrowDtype(pa.string())


def text_column(values: pa.Array | pa.ChunkedArray, trim: bool = False) -> pd.Series:
    """A column of text cells as Arrow strings, empty cells (and with `trim`, blank ones) null."""
    strings = values if values.type == pa.string() else pc.cast(values, pa.string())
    if trim:
        strings = pc.utf8_trim_whitespace(strings)
    # Copy the column (if_else) only when it holds an empty text: a 1M-row column is otherwise
    # kept as it is, which is most of this function's cost on a big sheet.
    if len(strings) and pc.min(pc.binary_length(strings)).as_py() == 0:
        strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    return pd.Series(pd.arrays.ArrowExtensionArray(strings), index=None, dtype=TEXT)


class CellKind(StrEnum):
    """How an output cell is typed and formatted."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"


@dataclass(frozen=True)
class Formula:
    """A formula cell and the engine's value of it, written as the cell's cached value.

    `text` is the formula as typed in Excel, "=SUM(E2:E9)" (the "=" may be left out)."""

    text: str
    cached: str | int | float | Decimal | bool | date | datetime | None = None

    @property
    def body(self) -> str:
        """The formula without its leading "=" (as stored in the file)."""
        return self.text[1:] if self.text.startswith("=") else self.text


OutputValue = str | int | float | Decimal | date | datetime | Formula | None


@dataclass(frozen=True)
class OutputColumn:
    """A column of a tool-owned output sheet. `currency` (an ISO code) overrides the sheet's for
    a MONEY column, e.g. an order's own currency beside the functional one."""

    header: str
    kind: CellKind = CellKind.TEXT
    width: float | None = None
    currency: str = ""


@dataclass
class Block:
    """A table on an output sheet: optional heading, header row, rows, optional totals row.

    `links` maps (row index, column index) to a location ("'Orders'!E7") written as a hyperlink.
    `totals` names the columns summed in a totals row (labelled `totals_label`). `table=False`
    writes a plain styled range instead of an Excel Table. `bold_rows` are row indexes shown
    bold (a payslip's net pay)."""

    columns: list[OutputColumn]
    rows: list[list[OutputValue]]
    heading: str = ""
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    totals: tuple[str, ...] = ()
    totals_label: str = "Total"
    table: bool = True
    table_name: str = ""
    bold_rows: frozenset[int] = frozenset()
    page_break_before: bool = False

    @property
    def data_rows(self) -> int:
        """Rows the data takes on the sheet (an Excel Table keeps at least one, maybe blank)."""
        return max(1, len(self.rows)) if self.table else len(self.rows)

    @property
    def height(self) -> int:
        """Rows the block takes: heading, header, data and totals."""
        return bool(self.heading) + 1 + self.data_rows + bool(self.totals)


class ChartKind(StrEnum):
    """The charts an output sheet can carry."""

    BAR = "bar"
    COLUMN = "column"
    LINE = "line"
    PIE = "pie"


@dataclass(frozen=True)
class Chart:
    """A chart over a block's data rows: `categories` and `values` are column headers.

    `anchor` is the top-left cell ("H2"); empty: two columns right of the widest block, level
    with the block. Size in pixels."""

    kind: ChartKind
    block: int
    categories: str
    values: tuple[str, ...]
    title: str = ""
    anchor: str = ""
    width: int = 480
    height: int = 288


@dataclass(frozen=True)
class BlockPlace:
    """Where a block lands on its sheet (1-based rows), to build references to its cells."""

    sheet: str
    block: Block
    heading_row: int | None
    header_row: int

    @property
    def first_row(self) -> int:
        """The first data row."""
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        """The last data row (the header row for a plain block without rows)."""
        return self.header_row + self.block.data_rows

    @property
    def totals_row(self) -> int | None:
        """The totals row, if the block has one."""
        return self.last_row + 1 if self.block.totals else None

    def letter(self, column: str) -> str:
        """The column letter of a header."""
        headers = [c.header for c in self.block.columns]
        if column not in headers:
            raise KeyError(f"{self.sheet}: no column {column!r} in block ({', '.join(headers)})")
        return column_letter(headers.index(column) + 1)

    def cell(self, row: int, column: str, *, absolute: bool = False, sheet: bool = False) -> str:
        """The cell of row index `row` (0-based, as in `rows`) in `column`."""
        return self._ref(self.letter(column), self.first_row + row, None, absolute, sheet)

    def column(self, column: str, *, absolute: bool = False, sheet: bool = False) -> str:
        """The data rows of a column, "E3:E9"."""
        return self._ref(self.letter(column), self.first_row, self.last_row, absolute, sheet)

    def total(self, column: str, *, absolute: bool = False, sheet: bool = False) -> str:
        """The totals cell of a column."""
        if self.totals_row is None:
            raise KeyError(f"{self.sheet}: the block has no totals row")
        return self._ref(self.letter(column), self.totals_row, None, absolute, sheet)

    def _ref(self, letter: str, first: int, last: int | None, absolute: bool, sheet: bool) -> str:
        dollar = "$" if absolute else ""
        ref = f"{dollar}{letter}{dollar}{first}"
        if last is not None:
            ref += f":{dollar}{letter}{dollar}{last}"
        if sheet:
            ref = "'" + self.sheet.replace("'", "''") + "'!" + ref
        return ref


@dataclass
class OutputSheet:
    """A tool-owned sheet, replaced on every run.

    The simple form is one Excel Table: `columns`, `rows` and `links` ((row index, column index)
    -> in-workbook location such as "'Orders'!E7", written as a hyperlink). A report sheet has
    `blocks` instead (see the module docstring); `currency` is the ISO code of MONEY cells."""

    name: str
    columns: list[OutputColumn] = field(default_factory=list)
    rows: list[list[OutputValue]] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    table_name: str = ""
    blocks: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    currency: str = ""
    printable: bool = False
    _next_row: int | None = field(default=None, repr=False, compare=False)  # see `add`
    _added: int = field(default=0, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.table_name:
            self.table_name = "BO_" + "".join(ch for ch in self.name if ch.isalnum())

    def add(self, block: Block) -> BlockPlace:
        """Append a block; returns where it lands (a block is final once added: the next one
        is placed below it as it is then, without going over every block again)."""
        if self._next_row is None or self._added != len(self.blocks):
            last = self.places()[-1] if self.blocks else None
            self._next_row = ((last.heading_row or last.header_row) + last.block.height + 1
                              if last else 1)
        self.blocks.append(block)
        self._added = len(self.blocks)
        place = BlockPlace(self.name, block, self._next_row if block.heading else None,
                           self._next_row + bool(block.heading))
        self._next_row += block.height + 1
        return place

    def all_blocks(self) -> list[Block]:
        """The blocks, the simple form being one table block."""
        if self.blocks:
            return self.blocks
        return [Block(self.columns, self.rows, links=self.links, table_name=self.table_name)]

    def place(self, index: int) -> BlockPlace:
        """Where block `index` lands: blocks stack from row 1, one blank row between them."""
        return self.places()[index]

    def places(self) -> list[BlockPlace]:
        """Where every block lands, in one pass."""
        places, row = [], 1
        for block in self.all_blocks():
            places.append(BlockPlace(self.name, block, row if block.heading else None,
                                     row + bool(block.heading)))
            row += block.height + 1
        return places

    def table_names(self) -> list[str]:
        """The Excel Table name of each table block (the first takes `table_name`)."""
        names, n = [], 1
        for block in self.all_blocks():
            if block.table:
                names.append(block.table_name or (self.table_name if n == 1 else f"{self.table_name}_{n}"))
                n += 1
        return names


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

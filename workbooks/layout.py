"""Where every cell, table, chart and page break of an OutputSheet goes: one layout shared by the
file, live-Excel and memory adapters, so the three write the same sheet.

Pure: no I/O. Blocks stack from row 1 with one blank row between them (`OutputSheet.place`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from workbooks.model import (
    Block,
    CellKind,
    Chart,
    ChartKind,
    Formula,
    OutputSheet,
    OutputValue,
    column_letter,
    column_number,
)

# Currency symbols Excel users expect; any other ISO code is shown as the code itself.
CURRENCY_SYMBOLS = {"BRL": "R$", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥",
                    "CHF": "CHF", "ARS": "$", "MXN": "$", "CAD": "$", "AUD": "$", "INR": "₹"}
NUMBER_FORMATS = {CellKind.TEXT: "@", CellKind.INTEGER: "0", CellKind.NUMBER: "General",
                  CellKind.MONEY: "#,##0.00", CellKind.PERCENT: "0.00%", CellKind.DATE: "yyyy-mm-dd"}
_ANCHOR = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_letter = lru_cache(maxsize=1024)(column_letter)  # a column's letters, once per save


def money_format(currency: str) -> str:
    """The number format of money in `currency`: '"R$" #,##0.00' for BRL; plain without one."""
    code = currency.strip().upper()
    if not code:
        return NUMBER_FORMATS[CellKind.MONEY]
    symbol = CURRENCY_SYMBOLS.get(code, code).replace('"', "")
    return f'"{symbol}" #,##0.00'


def number_format(kind: CellKind, currency: str = "") -> str:
    """The Excel number format of a cell of this kind (money in its currency)."""
    return money_format(currency) if kind is CellKind.MONEY else NUMBER_FORMATS[kind]


class LaidCell(NamedTuple):
    """One cell: where, what, and how it is shown. `field` names it in messages. (A named
    tuple: a 1M-row sheet makes millions, and a frozen dataclass is several times slower to
    build.)"""

    row: int
    col: int
    value: OutputValue
    kind: CellKind = CellKind.TEXT
    currency: str = ""
    bold: bool = False
    heading: bool = False
    link: str | None = None
    field: str = ""

    @property
    def ref(self) -> str:
        """"E7"."""
        return f"{_letter(self.col)}{self.row}"


@dataclass(frozen=True)
class LaidTable:
    """An Excel Table: its name, bounds (totals row included), headers and totals."""

    name: str
    first_row: int
    last_row: int
    last_col: int
    headers: list[str]
    sums: frozenset[int]  # 0-based indexes of the summed columns
    label: str | None  # the totals row's label (first column), when it has one
    totals: bool

    @property
    def ref(self) -> str:
        """"A3:F9"."""
        return f"A{self.first_row}:{column_letter(self.last_col)}{self.last_row}"

    @property
    def data_ref(self) -> str:
        """The header and data rows (the autoFilter range): the totals row left out."""
        return f"A{self.first_row}:{column_letter(self.last_col)}{self.last_row - self.totals}"


@dataclass(frozen=True)
class LaidChart:
    """A chart with its source resolved to sheet rows and columns (1-based)."""

    chart: Chart
    row: int
    col: int
    first_row: int
    last_row: int
    category_col: int
    header_row: int
    value_cols: list[int]


@dataclass(frozen=True)
class LaidRows:
    """A block's data rows, placed from sheet row `first_row` but not cut into LaidCells: a
    big sheet's millions of cells are rendered straight from the block's rows, column by column
    (`workbooks.xlsx.sheetxml`); `cells()` gives them one by one to adapters that want them."""

    first_row: int
    block: Block
    kinds: list[CellKind]
    currencies: list[str]
    headers: list[str]

    @property
    def last_row(self) -> int:
        """The last row holding a value (`first_row - 1` when none does)."""
        rows = self.block.rows
        for r in range(len(rows) - 1, -1, -1):
            if any(not _blank(value) for value in rows[r]):
                return self.first_row + r
        return self.first_row - 1

    def cells(self) -> list[LaidCell]:
        """Every non-blank cell, row by row."""
        return [cell for r in range(len(self.block.rows)) for cell in self.row_cells(r)
                if cell is not None]

    def row_cells(self, r: int) -> list[LaidCell | None]:
        """Data row r's cells (None where blank)."""
        kinds, currencies, headers = self.kinds, self.currencies, self.headers
        bold, links, row = r in self.block.bold_rows, self.block.links, self.first_row + r
        return [None if _blank(value) else
                LaidCell(row, c + 1, value, kinds[c], currencies[c], bold, False,
                         links.get((r, c)) if links else None, headers[c])
                for c, value in enumerate(self.block.rows[r])]


@dataclass
class Layout:
    """An OutputSheet laid out: `rows` holds the headings, header and totals rows cell by cell,
    `data` every block's data rows (see `LaidRows`)."""

    name: str
    rows: dict[int, list[LaidCell]] = field(default_factory=dict)
    data: list[LaidRows] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    tables: list[LaidTable] = field(default_factory=list)
    charts: list[LaidChart] = field(default_factory=list)
    row_breaks: list[int] = field(default_factory=list)  # rows that start a printed page
    freeze_header: bool = False
    printable: bool = False
    last_row: int = 1
    last_col: int = 1

    def cells(self) -> list[LaidCell]:
        """Every cell, row by row."""
        by_row = {r: list(cells) for r, cells in self.rows.items()}
        for laid in self.data:
            for cell in laid.cells():
                by_row.setdefault(cell.row, []).append(cell)
        return [cell for r in sorted(by_row) for cell in by_row[r]]

    def cells_in(self, first_row: int, last_row: int, cols: set[int]) -> list[LaidCell]:
        """The cells of rows first_row..last_row in the given columns (1-based), without laying
        out the rest of a big sheet."""
        found = [cell for r in range(first_row, last_row + 1) for cell in self.rows.get(r, ())
                 if cell.col in cols]
        for laid in self.data:
            low, high = max(first_row, laid.first_row), min(last_row, laid.last_row)
            found += [cell for r in range(low - laid.first_row, high - laid.first_row + 1)
                      for cell in laid.row_cells(r) if cell is not None and cell.col in cols]
        return found

    @property
    def first_row(self) -> int:
        """The first row holding a value (1 for an empty sheet)."""
        firsts = [*self.rows, *(d.first_row for d in self.data if d.last_row >= d.first_row)]
        return min(firsts, default=1)  # a block's header row comes before its data anyway

    @property
    def print_area(self) -> str:
        """"$A$1:$F$60"."""
        return f"$A$1:${column_letter(self.last_col)}${self.last_row}"


def lay_out(sheet: OutputSheet, table_names: list[str] | None = None) -> Layout:
    """The layout of `sheet`; `table_names` replaces the tables' names (made unique by a file)."""
    blocks = sheet.all_blocks()
    names = iter(table_names or sheet.table_names())
    layout = Layout(sheet.name, freeze_header=not sheet.blocks, printable=sheet.printable)
    for index, (block, place) in enumerate(zip(blocks, sheet.places(), strict=True)):
        if block.page_break_before and index:
            layout.row_breaks.append(place.heading_row or place.header_row)
        if block.heading:
            _put(layout, LaidCell(place.heading_row or 0, 1, block.heading, bold=True, heading=True,
                                  field="heading"))
        table = next(names) if block.table else None
        _lay_block(layout, sheet, block, place.header_row, table)
    layout.last_col = max(len(b.columns) for b in blocks) if blocks else 1
    layout.last_row = max([1, *layout.rows, *(d.last_row for d in layout.data)])
    layout.widths = [_width(blocks, c) for c in range(layout.last_col)]
    layout.charts = [_lay_chart(sheet, chart, layout) for chart in sheet.charts]
    return layout


def _blank(value: OutputValue) -> bool:
    """An empty cell: nothing is written for None or ""."""
    return value is None or (isinstance(value, str) and value == "")


def _put(layout: Layout, cell: LaidCell) -> None:
    if not _blank(cell.value):
        layout.rows.setdefault(cell.row, []).append(cell)


def _lay_block(layout: Layout, sheet: OutputSheet, block: Block, header_row: int,
               table: str | None) -> None:
    headers = [c.header for c in block.columns]
    for c, header in enumerate(headers, start=1):
        _put(layout, LaidCell(header_row, c, header, bold=table is None, field="header"))
    if block.rows:
        layout.data.append(LaidRows(header_row + 1, block, [c.kind for c in block.columns],
                                    [c.currency or sheet.currency for c in block.columns],
                                    headers))
    last = header_row + block.data_rows
    sums = frozenset(headers.index(h) for h in block.totals)
    if block.totals:
        _lay_totals(layout, sheet, block, header_row, last, sums, table)
    if table is not None:
        label = block.totals_label if block.totals and 0 not in sums else None
        layout.tables.append(LaidTable(table, header_row, last + bool(block.totals), len(headers),
                                       headers, sums, label, bool(block.totals)))


def _lay_totals(layout: Layout, sheet: OutputSheet, block: Block, header_row: int, last: int,
                sums: frozenset[int], table: str | None) -> None:
    row = last + 1
    if 0 not in sums:
        _put(layout, LaidCell(row, 1, block.totals_label, bold=True, field="totals"))
    for c in sorted(sums):
        column = block.columns[c]
        total = column_total(block, c)
        letter = column_letter(c + 1)
        if table is not None:
            formula: OutputValue = Formula(f"=SUBTOTAL(109,{table}[{table_header(column.header)}])",
                                           total)
        elif last > header_row:
            formula = Formula(f"=SUM({letter}{header_row + 1}:{letter}{last})", total)
        else:
            formula = total
        _put(layout, LaidCell(row, c + 1, formula, column.kind, column.currency or sheet.currency,
                              True, field=column.header))


def column_total(block: Block, index: int) -> int | Decimal:
    """The exact sum of a column's numbers (a formula's cached value counts), as Excel's SUM
    sees them: text and blanks left out. Floats enter through their shortest text, never as
    binary fractions."""
    total = Decimal(0)
    values = [row[index] if index < len(row) else None for row in block.rows]
    if set(map(type, values)) <= _DECIMAL_OR_BLANK:  # the usual money column
        total = sum((value for value in values if type(value) is Decimal), total)
    else:
        for value in values:
            if isinstance(value, Formula):
                value = value.cached
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                continue
            total += Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return int(total) if total == total.to_integral_value() and total.as_tuple().exponent == 0 else total


_DECIMAL_OR_BLANK = frozenset({Decimal, str, type(None)})


def table_header(header: str) -> str:
    """A header as an Excel Table column name / structured reference item: ' [ ] # escaped."""
    return re.sub(r"(['\[\]#])", r"'\1", header).replace("\n", "_x000a_")


def _width(blocks: list[Block], index: int) -> float:
    explicit = [b.columns[index].width for b in blocks
                if index < len(b.columns) and b.columns[index].width]
    if explicit:
        return float(max(w for w in explicit if w))
    sample = [len(b.columns[index].header) for b in blocks if index < len(b.columns)]
    for block in blocks:
        sample += [len(_display(row[index])) for row in block.rows[:200] if index < len(row)]
    return float(min(60, max(8, max(sample, default=0) + 3)))


def _display(value: OutputValue) -> str:
    if isinstance(value, Formula):
        value = value.cached
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}" + "    "  # room for a currency symbol
    if isinstance(value, datetime | date):
        return "yyyy-mm-dd"
    return "" if value is None else str(value)


def _lay_chart(sheet: OutputSheet, chart: Chart, layout: Layout) -> LaidChart:
    place = sheet.place(chart.block)
    if chart.anchor:
        match = _ANCHOR.fullmatch(chart.anchor)
        if match is None:
            raise ValueError(f"{sheet.name}: chart anchor {chart.anchor!r} is not a cell")
        row, col = int(match.group(2)), column_number(match.group(1))
    else:
        row, col = place.heading_row or place.header_row, layout.last_col + 2
    values = chart.values[:1] if chart.kind is ChartKind.PIE else chart.values
    return LaidChart(chart, row, col, place.first_row, place.last_row,
                     column_number(place.letter(chart.categories)), place.header_row,
                     [column_number(place.letter(v)) for v in values])

"""A typed input table: the shape reading hands to the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from engine.issues import Issue
from engine.money import BoolArray, Int64Array, cents, decimals
from engine.schema import SheetSpec


@dataclass
class Table:
    """An input sheet read into canonical, typed columns.

    `frame` is indexed by Excel row number and has one column per canonical column found.
    Money, quantities, rates and percentages (Kind.MONEY, NUMBER, PERCENT) are exact: an Arrow
    decimal128(38, s) column (pd.ArrowDtype), s the most decimals any of its cells has, read
    from the cell text without a float (null when blank or unreadable). Integers (Kind.INTEGER:
    Line, Priority, Dependents) are float64 (NaN), dates datetime64 (NaT), the rest text or None.
    `letters` gives each canonical column's sheet column letter, so any value's source cell is
    `letters[column] + str(row)`.

    The engine gets money out with `decimals(column)` (Python Decimals, for row-by-row flows)
    or `cents(column)` (int64 cents, rounded half-up, for vectorised ones), or with
    engine.money.scaled for exact int64 units at a chosen scale. Comparisons (`< 0`), isna,
    sums (pyarrow.compute.sum) and duplicated() work on the column as it is, exactly.
    """

    spec: SheetSpec
    sheet: str
    header_row: int
    frame: pd.DataFrame
    letters: dict[str, str]
    issues: list[Issue] = field(default_factory=list)
    unreadable: dict[str, pd.Series] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)

    def cell(self, column: str, row: int) -> str:
        """The source cell of a value, like "E7"."""
        return f"{self.letters[column]}{row}"

    def header_cell(self) -> str:
        """The header row's first known column, like "C3" (where sheet-level issues point)."""
        letters = min(self.letters.values(), key=lambda c: (len(c), c), default="A")
        return f"{letters}{self.header_row}"

    def decimals(self, column: str) -> list[Decimal | None]:
        """An exact column's values as Decimals, in frame order (None for blank/unreadable)."""
        return decimals(self.frame[column])

    def cents(self, column: str) -> tuple[Int64Array, BoolArray]:
        """An exact column as int64 cents rounded half-up, and which cells hold a value."""
        return cents(self.frame[column])

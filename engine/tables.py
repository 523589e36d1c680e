"""A typed input table: the shape reading hands to the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.issues import Issue
from engine.schema import SheetSpec


@dataclass
class Table:
    """An input sheet read into canonical, typed columns.

    `frame` is indexed by Excel row number and has one column per canonical column found.
    Numbers are float64 (NaN when blank or unreadable), dates datetime64 (NaT), the rest text or
    None. `letters` gives each canonical column's sheet column letter, so any value's source
    cell is `letters[column] + str(row)`.
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

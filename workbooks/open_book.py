"""A workbook open in a spreadsheet application (Excel through xlwings, Calc through UNO): what
the live-Excel and Calc adapters share — staging, and the order of a save: refuse a user's sheet
that has an output sheet's name, write the staged sheets, apply the marks, record ownership in
the hidden state sheet. Each adapter says how to write one sheet and keep its state."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from engine.errors import UnsafeWrite
from workbooks.model import Mark, OutputSheet

STATE_SHEET = "_BackOffice"
OWNED_KEY = "owned sheet"  # the state sheet's keys, as the file adapter's (workbooks/xlsx_file.py)


class OpenBook(ABC):
    """The Workbook protocol's writing side over an open application workbook."""

    def __init__(self) -> None:
        self.staged: dict[str, OutputSheet] = {}
        self.staged_marks: list[Mark] | None = None

    def write_sheet(self, sheet: OutputSheet) -> None:
        """Stage an output sheet."""
        self.staged[sheet.name] = sheet

    def set_marks(self, marks: list[Mark]) -> None:
        """Stage this run's marks."""
        self.staged_marks = list(marks)

    def save(self) -> list[str]:
        """Write the staged sheets and marks into the open workbook (the application saves)."""
        state = self._state()
        owned: dict[str, list[Any]] = state["owned"]  # casefolded name -> its state row
        existing = {n.casefold(): n for n in self.sheet_names()}  # names ignore case
        for name in self.staged:
            found = existing.get(name.casefold())
            if found is not None and name.casefold() not in owned:
                raise UnsafeWrite(f'The sheet "{found}" was not made by Back Office; rename it '
                                  "so the results can be written.")
        for sheet in self.staged.values():
            self._write(sheet, existing.get(sheet.name.casefold()))
        if self.staged_marks is not None:
            state["marks"] = self._apply_marks(state["marks"], self.staged_marks)
        for name in [*self.staged, STATE_SHEET]:
            owned.setdefault(name.casefold(), [OWNED_KEY, name])
        self._save_state(state)
        written, self.staged, self.staged_marks = list(self.staged), {}, None
        return written

    @abstractmethod
    def sheet_names(self) -> list[str]:
        """Worksheet names in tab order, the state sheet excluded."""

    @abstractmethod
    def _write(self, sheet: OutputSheet, existing: str | None) -> None:
        """Write one output sheet, replacing `existing` (its current name) when there is one."""

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """The state sheet's records: {"owned": {...}, "marks": [...]}."""

    @abstractmethod
    def _apply_marks(self, previous: list[Any], marks: list[Mark]) -> list[Any]:
        """Remove the previous marks, put these; the records to keep."""

    @abstractmethod
    def _save_state(self, state: dict[str, Any]) -> None:
        """Write the state sheet."""

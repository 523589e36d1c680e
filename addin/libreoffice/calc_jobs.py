"""The ribbon's buttons on a document open in LibreOffice Calc.

The buttons are the registered commands that name a ribbon tag (addin/commands.py), as in
Excel (addin/ribbon.py DISPATCH): a job button runs its command's steps through the one door,
`addin.runner.run_steps`, on a `CalcTarget` (the open document through the UNO adapter
workbooks.uno_calc.CalcWorkbook), so the audit chain, the pending/committed head beside the file
and the one save are the CLI's and Excel's. Saving is the document's own `store()` in its own
format (a job run is a saved version: the head recorded outside must match the file); a
document never saved keeps the results in memory and says so. A flow's button registered with a
ribbon tag appears here without more code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbooks.model import Workbook
from workbooks.uno_calc import CalcWorkbook

Reply = tuple[str, str]


def document_path(document: Any) -> Path | None:
    """The document's local file, when it has one."""
    url = str(document.getURL() or "")
    if not url.startswith("file://"):
        return None
    import uno

    path = Path(uno.fileUrlToSystemPath(url))
    return path if path.exists() else None


@dataclass
class CalcTarget:
    """A spreadsheet document open in Calc, as a target of addin.runner (see runner.Target)."""

    document: Any
    read_as: str = ""

    @property
    def head_file(self) -> Path | None:
        """The document's file (None when it was never saved)."""
        return document_path(self.document)

    @contextlib.contextmanager
    def session(self, *, writes: bool) -> Iterator[Workbook]:
        """The open document; LibreOffice keeps other writers out while it has it open."""
        from workbooks import safe_save

        path = self.head_file
        unchanged = path is not None and not self.document.isModified()
        self.read_as = safe_save.fingerprint(path).sha256 if unchanged and path else ""
        yield CalcWorkbook(self.document)

    def input_sha256(self, book: Workbook) -> str:
        """The saved file's hash when the run started ("" when it has unsaved edits)."""
        return self.read_as

    def save(self, book: Workbook, before_replace: Callable[[], None]) -> list[str]:
        """Write into the document, then store it in its own format."""
        written = book.save()
        before_replace()
        if self.head_file is not None:
            self.document.store()
        return written

    def settle_failed_save(self, book: Workbook) -> None:
        """The store did not change the file: the pending head goes."""
        from workbooks import safe_save
        from workbooks.sheets.audit import drop_pending_head

        path = self.head_file
        if path is not None and safe_save.fingerprint(path).sha256 == self.read_as:
            drop_pending_head(path)


@dataclass
class CalcApp:
    """A spreadsheet document open in Calc, as the application of the ribbon's buttons
    (addin.ribbon.App): the buttons are the Excel ribbon's own, run on a CalcTarget."""

    document: Any

    def target(self) -> CalcTarget:
        return CalcTarget(self.document)

    def sheet_names(self) -> list[str]:
        return list(self.document.Sheets.getElementNames())

    def activate(self, sheet: str) -> None:
        if self.document.Sheets.hasByName(sheet):
            self.document.getCurrentController().setActiveSheet(self.document.Sheets.getByName(sheet))

    def note(self) -> str:
        return "" if document_path(self.document) else " Save the workbook to keep the results."


def buttons() -> dict[str, Callable[[Any], Reply]]:
    """Button tag -> what it does on an open Calc document: the Excel ribbon's table
    (addin.ribbon.DISPATCH), pressed with the document as a CalcApp."""
    from addin.ribbon import DISPATCH

    return {tag: _on_document(press) for tag, press in DISPATCH.items()}


def _on_document(press: Callable[[Any], Reply]) -> Callable[[Any], Reply]:
    def pressed(document: Any) -> Reply:
        return press(CalcApp(document))
    pressed.__doc__ = press.__doc__
    return pressed

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
TITLE = "Back Office"


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


def run(document: Any, command: str) -> list[Any]:
    """Run a registered command's steps on the open document through the one door."""
    from addin.commands import COMMANDS
    from addin.runner import run_steps

    return run_steps(CalcTarget(document), COMMANDS[command].steps)


def _unsaved(document: Any) -> str:
    return "" if document_path(document) else " Save the workbook to keep the results."


def validate(document: Any) -> Reply:
    """Validate workbook: Issues sheet, marks, audit entry."""
    result = run(document, "validate")[0]
    if not result.issues:
        return TITLE, "No problems found. An entry was added to the Audit Log." + _unsaved(document)
    errors, warnings = result.summary["errors"], result.summary["warnings"]
    return TITLE, (f"{errors} errors and {warnings} warnings: see the Issues sheet (each Cell "
                   "links to its cell) and the marked cells." + _unsaved(document))


def clear_marks(document: Any) -> Reply:
    """Clear marks: remove the tool's fills and notes."""
    run(document, "clear")
    return TITLE, "The marks Back Office had put on input cells were removed." + _unsaved(document)


def job_button(command: str) -> Callable[[Any], Reply]:
    """The button of a job command with no message of its own (a flow's): it runs the steps
    and says what they found, as the Excel ribbon's does."""
    def press(document: Any) -> Reply:
        results = run(document, command)
        errors = sum(1 for r in results for i in r.issues if i.severity == "error")
        found = f"{errors} errors: see the Issues sheet." if errors else "No errors found."
        return TITLE, f"{command.capitalize()} done. {found}" + _unsaved(document)
    return press


def close(document: Any) -> Reply:
    """Month-end close: the same steps as `backoffice close`; says closed or what blocks it."""
    result = run(document, "close")[-1]
    failed = [c["step"] for c in result.summary.get("checklist", []) if c["status"] == "fail"]
    if not failed:
        return TITLE, (f"Period {result.period} closed and locked. See the Close Report, Journal "
                       "and Trial Balance sheets." + _unsaved(document))
    return TITLE, (f"Period {result.period} NOT closed: {', '.join(failed)} failed. See the Close "
                   "Report (each blocking issue links to its cell)." + _unsaved(document))


def run_payroll(document: Any) -> Reply:
    """Run payroll: the period's Payroll Register and Payslips, what was paid and what was not."""
    result = run(document, "process payroll")[0]
    summary = result.summary
    errors = sum(1 for i in result.issues if i.severity == "error")
    found = f" {errors} errors: see the Issues sheet." if errors else ""
    if summary.get("not_run"):
        return TITLE, f"Payroll not run: {summary['not_run']}.{found}" + _unsaved(document)
    left: dict[str, int] = summary.get("not_paid", {})
    return TITLE, (
        f"Payroll {result.period}: {summary['employees_paid']} employees paid, net pay "
        f"{summary['net_pay']}, employer cost {summary['total_cost']} (Payroll Register, Payslips)."
        f" Not paid: {sum(left.values())} rows.{found}" + _unsaved(document))


def audit_show(document: Any) -> Reply:
    """Show audit log: activate the Audit Log sheet."""
    from workbooks.sheets.audit import AUDIT_SHEET

    if not document.Sheets.hasByName(AUDIT_SHEET):
        return TITLE, "There is no Audit Log yet: it starts with the first job run."
    document.getCurrentController().setActiveSheet(document.Sheets.getByName(AUDIT_SHEET))
    return TITLE, "This is the Audit Log: one row per job run, chained by SHA-256."


def audit_verify(document: Any) -> Reply:
    """Verify audit log: recompute the chain, held to the head kept beside the file."""
    from addin.runner import verify

    _, verdict = verify(CalcTarget(document))
    if verdict.ok:
        note = f" Note: {verdict.warning}." if verdict.warning else ""
        return TITLE, f"Audit log intact: {verdict.entries} entries verified.{note}"
    return TITLE, f"Audit log BROKEN at entry {(verdict.bad_index or 0) + 1}: {verdict.reason}."


def doctor(document: Any) -> Reply:
    """Doctor: the Excel ribbon's own (it does not touch the workbook)."""
    from addin.ribbon import DISPATCH

    return DISPATCH["doctor"](document)


SPECIAL: dict[str, Callable[[Any], Reply]] = {  # command name -> its Calc-side function
    "validate": validate, "clear": clear_marks, "audit show": audit_show,
    "audit verify": audit_verify, "doctor": doctor, "close": close,
    "process payroll": run_payroll,
}


def buttons() -> dict[str, Callable[[Any], Reply]]:
    """Button tag -> function, for every registered command that names a ribbon tag."""
    from addin.commands import COMMANDS

    return {c.ribbon: SPECIAL.get(c.name) or job_button(c.name)
            for c in COMMANDS.values() if c.ribbon}

"""The ribbon's buttons on a document open in LibreOffice Calc.

Each button runs the same job functions as the CLI and the Excel ribbon (addin.jobs) on the
open document through the UNO adapter (workbooks.uno_calc.CalcWorkbook), then saves the
document in its own format (a job run is a saved version: the audit head kept beside the file
must match the file) and records the head, as the ribbon does in Excel. A document never saved
keeps the results in memory and says so. The tags are the Excel ribbon's (addin.ribbon
DISPATCH); a test keeps the two lists equal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def run_job(document: Any, job: Callable[..., Any]) -> Any:
    """Run `job` on the open document, write its sheets, save the document, record the head."""
    from addin.jobs import Context
    from workbooks.safe_save import fingerprint
    from workbooks.sheets.audit import write_head

    path = document_path(document)
    book = CalcWorkbook(document)
    ctx = Context.here(fingerprint(path).sha256 if path and not document.isModified() else "")
    result = job(book, ctx)
    result.written = book.save()
    if path is not None:
        document.store()
        if result.audit is not None:
            write_head(path, result.audit)
    return result


def _unsaved(document: Any) -> str:
    return "" if document_path(document) else " Save the workbook to keep the results."


def validate(document: Any) -> Reply:
    """Validate workbook: Issues sheet, marks, audit entry."""
    from addin.jobs import validate_job

    result = run_job(document, validate_job)
    if not result.issues:
        return TITLE, "No problems found. An entry was added to the Audit Log." + _unsaved(document)
    errors, warnings = result.summary["errors"], result.summary["warnings"]
    return TITLE, (f"{errors} errors and {warnings} warnings: see the Issues sheet and the "
                   "marked cells." + _unsaved(document))


def clear_marks(document: Any) -> Reply:
    """Clear marks: remove the tool's fills and notes."""
    from addin.jobs import clear_marks_job

    run_job(document, clear_marks_job)
    return TITLE, "The marks Back Office had put on input cells were removed." + _unsaved(document)


def audit_show(document: Any) -> Reply:
    """Show audit log: activate the Audit Log sheet."""
    from workbooks.sheets.audit import AUDIT_SHEET

    if not document.Sheets.hasByName(AUDIT_SHEET):
        return TITLE, "There is no Audit Log yet: it starts with the first job run."
    document.getCurrentController().setActiveSheet(document.Sheets.getByName(AUDIT_SHEET))
    return TITLE, "This is the Audit Log: one row per job run, chained by SHA-256."


def audit_verify(document: Any) -> Reply:
    """Verify audit log: recompute the chain, compare with the head kept beside the file."""
    from engine.audit import verify_chain
    from workbooks.sheets.audit import read_audit_log, read_head

    path = document_path(document)
    verdict = verify_chain(read_audit_log(CalcWorkbook(document)), read_head(path) if path else None)
    if verdict.ok:
        note = f" Note: {verdict.warning}." if verdict.warning else ""
        return TITLE, f"Audit log intact: {verdict.entries} entries verified.{note}"
    return TITLE, f"Audit log BROKEN at entry {(verdict.bad_index or 0) + 1}: {verdict.reason}."


def doctor(document: Any) -> Reply:
    """Doctor: the same checks as `backoffice doctor`."""
    from addin.doctor import run_checks

    problems = [c for c in run_checks() if not c.ok]
    if not problems:
        return TITLE, "Everything looks right."
    return TITLE, "\n".join(f"{c.name}: {c.detail} Fix: {c.fix}" for c in problems)


BUTTONS: dict[str, Callable[[Any], Reply]] = {
    "validate": validate, "clear_marks": clear_marks, "audit_show": audit_show,
    "audit_verify": audit_verify, "doctor": doctor,
}

"""The ribbon's Python side: one dispatch table from button tag to job.

VBA's single callback calls `on_button(tag)` through xlwings' RunPython. Each entry runs the
same job functions as the CLI on the live workbook (xw.Book.caller() through the live-Excel
adapter) and reports in one place: a message box, the status bar, and the sheets it writes
(on macOS RunPython returns at once, so results must be visible in the workbook too).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.errors import BackOfficeError

Reply = tuple[str, str]  # (title, message)


def _live(book: Any) -> Any:
    from workbooks.live_excel import LiveWorkbook

    return LiveWorkbook(book)


def _path(book: Any) -> Path | None:
    """The workbook's file, when it is a local file (not new, not a cloud URL)."""
    full = str(getattr(book, "fullname", "") or "")
    return Path(full) if full and "://" not in full and Path(full).exists() else None


def _run(book: Any, job: Callable[..., Any]) -> Any:
    from addin.jobs import Context
    from workbooks.safe_save import fingerprint
    from workbooks.sheets.audit import write_head

    path = _path(book)
    live = _live(book)
    ctx = Context.here(fingerprint(path).sha256 if path else "")
    result = job(live, ctx)
    result.written = live.save()
    book.save()  # a job run is a saved version: the audit head outside must match the file
    if path is not None and result.audit is not None:
        write_head(path, result.audit)
    return result


def validate(book: Any) -> Reply:
    """Validate workbook: Issues sheet, marks, audit entry."""
    from addin.jobs import validate_job

    result = _run(book, validate_job)
    errors, warnings = result.summary["errors"], result.summary["warnings"]
    if not result.issues:
        return "Back Office", "No problems found. An entry was added to the Audit Log."
    return "Back Office", (f"{errors} errors and {warnings} warnings: see the Issues sheet "
                           "(each Cell links to its cell) and the marked cells.")


def clear_marks(book: Any) -> Reply:
    """Clear marks: remove the tool's fills and notes."""
    from addin.jobs import clear_marks_job

    _run(book, clear_marks_job)
    return "Back Office", "The marks Back Office had put on input cells were removed."


def audit_show(book: Any) -> Reply:
    """Show audit log: activate the Audit Log sheet."""
    from workbooks.sheets.audit import AUDIT_SHEET

    if AUDIT_SHEET not in [s.name for s in book.sheets]:
        return "Back Office", "There is no Audit Log yet: it starts with the first job run."
    book.sheets[AUDIT_SHEET].activate()
    return "Back Office", "This is the Audit Log: one row per job run, chained by SHA-256."


def audit_verify(book: Any) -> Reply:
    """Verify audit log: recompute the chain (and compare with the head kept outside)."""
    from engine.audit import verify_chain
    from workbooks.sheets.audit import read_audit_log, read_head

    path = _path(book)
    log = read_audit_log(_live(book))
    verdict = verify_chain(log, read_head(path) if path else None)
    if verdict.ok:
        note = f" Note: {verdict.warning}." if verdict.warning else ""
        return "Back Office", f"Audit log intact: {verdict.entries} entries verified.{note}"
    index = (verdict.bad_index or 0) + 1
    return "Back Office", f"Audit log BROKEN at entry {index}: {verdict.reason}."


def doctor(book: Any) -> Reply:
    """Doctor: the same checks as `backoffice doctor`."""
    from addin.doctor import run_checks

    problems = [c for c in run_checks() if not c.ok]
    if not problems:
        return "Back Office", "Everything looks right."
    return "Back Office", "\n".join(f"{c.name}: {c.detail} Fix: {c.fix}" for c in problems)


DISPATCH: dict[str, Callable[[Any], Reply]] = {
    "validate": validate, "clear_marks": clear_marks, "audit_show": audit_show,
    "audit_verify": audit_verify, "doctor": doctor,
}


def on_button(tag: str) -> None:
    """Called by the VBA callback with the button's tag; reports in one place."""
    import xlwings as xw

    try:
        book = xw.Book.caller()
    except Exception as exc:  # not called from a workbook (or Excel unreachable)
        print(f"Back Office: no calling workbook ({exc})")
        return
    try:
        title, message = DISPATCH[tag](book)
    except BackOfficeError as problem:
        title, message = "Back Office: not done", problem.message
    except Exception as bug:  # a bug: say so plainly, never a traceback box
        title, message = "Back Office: internal error", f"{type(bug).__name__}: {bug}"
    message = message or title
    book.app.status_bar = message.splitlines()[0][:250]
    book.app.alert(message, title=title)

"""The ribbon's Python side: one dispatch table from button tag to job.

VBA's single callback calls `on_button(tag)` through xlwings' RunPython. The table is built from
the registered commands (addin/commands.py): each button runs the same steps as its CLI command,
through the same door (addin/runner.py), on the live workbook (xw.Book.caller() through the
live-Excel adapter), and reports in one place: a message box, the status bar, and the sheets it writes
(on macOS RunPython returns at once, so results must be visible in the workbook too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import BackOfficeError

if TYPE_CHECKING:
    from addin.runner import Target

Reply = tuple[str, str]  # (title, message)


class App(Protocol):
    """What a button needs of the spreadsheet application it was pressed in: Excel (ExcelApp,
    here) or LibreOffice Calc (addin/libreoffice/calc_jobs.CalcApp). The buttons below are
    written once against it, so both applications run the same table."""

    def target(self) -> Target:
        """The open workbook as a target of the one door (addin/runner.py)."""
        ...

    def sheet_names(self) -> list[str]:
        """The workbook's sheet names."""
        ...

    def activate(self, sheet: str) -> None:
        """Show a sheet (nothing when it is not there)."""
        ...

    def note(self) -> str:
        """What to add to a message (e.g. that an unsaved document keeps results in memory)."""
        ...


@dataclass
class ExcelApp:
    """A workbook open in Excel, through xlwings."""

    book: Any

    def target(self) -> Target:
        from addin.runner import LiveTarget

        return LiveTarget(self.book)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def activate(self, sheet: str) -> None:
        if sheet in self.sheet_names():
            self.book.sheets[sheet].activate()

    def note(self) -> str:
        return ""


def app_of(book: Any) -> App:
    """The application a button was pressed in: an App as given, else an xlwings Book."""
    return book if hasattr(book, "target") else ExcelApp(book)


def run(book: Any, command: str) -> list[Any]:
    """Run a registered command's steps on the open workbook through the one door
    (addin/runner.py): the same steps, audit chain, pending/committed head and save as every run."""
    from addin.commands import COMMANDS
    from addin.runner import run_steps

    return run_steps(app_of(book).target(), COMMANDS[command].steps)


def validate(book: Any) -> Reply:
    """Validate workbook: Issues sheet, marks, audit entry."""
    result = run(book, "validate")[0]
    errors, warnings = result.summary["errors"], result.summary["warnings"]
    if not result.issues:
        return "Back Office", "No problems found. An entry was added to the Audit Log."
    return "Back Office", (f"{errors} errors and {warnings} warnings: see the Issues sheet "
                           "(each Cell links to its cell) and the marked cells.")


def clear_marks(book: Any) -> Reply:
    """Clear marks: remove the tool's fills and notes."""
    run(book, "clear")
    return "Back Office", "The marks Back Office had put on input cells were removed."


def job_button(command: str) -> Callable[[Any], Reply]:
    """The button of a job command with no message of its own (e.g. a future `process all`):
    it runs the steps and says what they found."""
    def press(book: Any) -> Reply:
        results = run(book, command)
        errors = sum(1 for r in results for i in r.issues if i.severity == "error")
        found = f"{errors} errors: see the Issues sheet." if errors else "No errors found."
        return "Back Office", f"{command.capitalize()} done. {found}"
    return press


def run_payroll(book: Any) -> Reply:
    """Run payroll: the period's Payroll Register and Payslips, what was paid and what was not."""
    result = run(book, "process payroll")[0]
    summary = result.summary
    errors = sum(1 for i in result.issues if i.severity == "error")
    found = f" {errors} errors: see the Issues sheet." if errors else ""
    if summary.get("not_run"):
        return "Back Office", f"Payroll not run: {summary['not_run']}.{found}"
    left: dict[str, int] = summary.get("not_paid", {})
    return "Back Office", (
        f"Payroll {result.period}: {summary['employees_paid']} employees paid, net pay "
        f"{summary['net_pay']}, employer cost {summary['total_cost']} (Payroll Register, Payslips)."
        f" Not paid: {sum(left.values())} rows.{found}")


def process_all(book: Any) -> Reply:
    """Process all: every flow of the period in one run; what each step did, where to look."""
    results = run(book, "process all")
    errors = len({(i.sheet, i.cell, i.rule) for r in results for i in r.issues
                  if i.severity == "error"})
    done = ", ".join(r.command.removeprefix("process ") for r in results)
    found = f" {errors} errors: see the Issues sheet." if errors else " No errors found."
    return "Back Office", f"Processed {done} for period {results[-1].period}.{found}"


def age_invoices(book: Any) -> Reply:
    """Age invoices: the `process invoices` step (all four sheets), then the AR Aging sheet."""
    results = run(book, "process invoices")
    errors = sum(1 for r in results for i in r.issues if i.severity == "error")
    _activate(book, "AR Aging")
    found = f" {errors} errors: see the Issues sheet." if errors else ""
    return "Back Office", ("AR Aging, AP Aging, Invoice Status and Cash Forecast written as of "
                           f"the period end.{found}")


def cash_forecast(book: Any) -> Reply:
    """Cash forecast: the same `process invoices` step (one step writes the four sheets, so the
    forecast always matches the aging), then the Cash Forecast sheet is shown."""
    results = run(book, "process invoices")
    _activate(book, "Cash Forecast")
    figures = results[0].summary.get("invoices") or {}
    net = figures.get("cumulative_13_weeks", "?") if isinstance(figures, dict) else "?"
    return "Back Office", f"Cash Forecast written: net expected over 13 weeks {net}."


def _activate(book: Any, sheet: str) -> None:
    app_of(book).activate(sheet)


def audit_show(book: Any) -> Reply:
    """Show audit log: activate the Audit Log sheet."""
    from workbooks.sheets.audit import AUDIT_SHEET

    if AUDIT_SHEET not in app_of(book).sheet_names():
        return "Back Office", "There is no Audit Log yet: it starts with the first job run."
    _activate(book, AUDIT_SHEET)
    return "Back Office", "This is the Audit Log: one row per job run, chained by SHA-256."


def audit_verify(book: Any) -> Reply:
    """Verify audit log: recompute the chain (and compare with the head kept outside), as
    `backoffice audit verify` does."""
    from addin.runner import verify

    _, verdict = verify(app_of(book).target())
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


def close(book: Any) -> Reply:
    """Month-end close: the same steps as `backoffice close`; says closed or what blocks it."""
    result = run(book, "close")[-1]
    failed = [c["step"] for c in result.summary.get("checklist", []) if c["status"] == "fail"]
    if not failed:
        return "Back Office", (f"Period {result.period} closed and locked. See the Close Report, "
                               "Journal and Trial Balance sheets.")
    return "Back Office", (f"Period {result.period} NOT closed: {', '.join(failed)} failed. See the "
                           "Close Report (each blocking issue links to its cell).")


BUTTONS: dict[str, Callable[[Any], Reply]] = {  # command name -> its ribbon-side function
    "validate": validate, "clear": clear_marks, "audit show": audit_show,
    "audit verify": audit_verify, "doctor": doctor, "close": close,
    "process payroll": run_payroll, "process invoices": age_invoices, "process all": process_all,
}
EXTRA_BUTTONS: dict[str, Callable[[Any], Reply]] = {  # tag -> a button that is no command of its own
    "cash_forecast": cash_forecast,
}


def dispatch_table() -> dict[str, Callable[[Any], Reply]]:
    """Button tag -> function, for every registered command that names a ribbon tag, in
    whichever application it is pressed (an xlwings Book, or an App such as Calc's)."""
    from addin.commands import COMMANDS

    table = {**{c.ribbon: BUTTONS.get(c.name) or job_button(c.name)
                for c in COMMANDS.values() if c.ribbon}, **EXTRA_BUTTONS}
    return {tag: _noted(press) for tag, press in table.items()}


def _noted(press: Callable[[Any], Reply]) -> Callable[[Any], Reply]:
    """The button, its message followed by what the application adds (one place)."""
    def pressed(book: Any) -> Reply:
        title, message = press(book)
        return title, message + app_of(book).note()
    pressed.__doc__ = press.__doc__
    return pressed


DISPATCH: dict[str, Callable[[Any], Reply]] = dispatch_table()


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

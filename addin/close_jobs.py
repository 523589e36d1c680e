"""The month-end close's jobs: close, reopen, and the close's computation shared with export.

    close_job(book, ctx, period)   read (once per run) -> flows' engines -> journal, trial
                                   balance, checklist -> Journal, Trial Balance, Close Report,
                                   Issues, Periods sheets -> audit "close" (or "close blocked")
    reopen_job(book, ctx, period, reason)   audit "reopen" with the reason -> Periods sheet
    compute_close(book, ctx, period)        the CloseResult alone (export, dry runs)

The lock itself is addin/runner.py `refuse_if_period_closed`, read from the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.jobs import (
    INVOICES_OUTCOME,
    PAYROLL_RUN,
    STOCK_OUTCOME,
    Context,
    JobResult,
    RunInputs,
    marks_for,
    read_inputs,
    record_audit,
)
from engine.close import CloseResult, close_books, close_details, gl_balances, issue_trend
from engine.errors import BadArguments
from engine.flows import Computed, run_flows
from engine.issues import Issue, issue_order
from engine.periods import CLOSE, CLOSE_BLOCKED, REOPEN, closed_state
from engine.settings import Period
from workbooks.model import Workbook
from workbooks.sheets.audit import read_audit_log
from workbooks.sheets.close_report import close_report_output
from workbooks.sheets.issues import issues_output
from workbooks.sheets.journal import journal_output, journal_place, trial_balance_output
from workbooks.sheets.periods import periods_output


@dataclass
class CloseJobResult(JobResult):
    """A close's result: not ok (exit 1) when blocked, errors or not."""

    blocked: bool = False

    @property
    def ok(self) -> bool:
        """Closed, with no error found."""
        return not self.blocked and super().ok


def compute_close(book: Workbook, ctx: Context, period: str | None = None
                  ) -> tuple[CloseResult, list[Issue]]:
    """The close of the period from the run's one read: its result and every issue found
    (reading's, validation's, the flows' and the journal's)."""
    inputs = read_inputs(book, ctx, period)
    typed = Period.parse(inputs.period)
    if typed is None:
        raise BadArguments("no period to close: give --period YYYY-MM or type the Config Period.")
    data, settings = inputs.data, inputs.settings
    flows = run_flows(data.tables, data.config, settings, inputs.issues, typed, computed(inputs))
    issues = inputs.issues + flows.issues
    result = close_books(flows, issues, settings.materiality,
                         gl_balances(data.tables.get("GL Balances")))
    return result, sorted(issues + result.journal.issues, key=issue_order)


def computed(inputs: RunInputs) -> Computed:
    """What the run's flow steps already computed (RunInputs.memo): the close posts those
    results instead of running the engines again."""
    return Computed(stock=inputs.memo.get(STOCK_OUTCOME),
                    invoices=inputs.memo.get(INVOICES_OUTCOME),
                    payroll=inputs.memo.get(PAYROLL_RUN))


def close_job(book: Workbook, ctx: Context, period: str | None = None) -> CloseJobResult:
    """Close the period: stage the close's sheets and one audit entry; blocked (exit 1, the
    period stays open) when any checklist step fails."""
    result, issues = compute_close(book, ctx, period)
    settings = read_inputs(book, ctx, period).settings
    action = CLOSE_BLOCKED if result.blocked else CLOSE
    entry = record_audit(book, ctx, action, result.period, close_details(result))
    entries = ctx.chain.entries if ctx.chain is not None else read_audit_log(book)
    currency, chart = settings.functional_currency, result.flows.postings.chart
    journal = journal_output(result.journal, chart, currency)  # laid out once (a row a posting)
    book.write_sheet(journal)
    place = journal.place(0) if result.journal.entries else journal_place(result.journal, chart,
                                                                          currency)
    book.write_sheet(trial_balance_output(result.trial_balance, place, currency))
    book.write_sheet(close_report_output(result, issues, "Blocked" if result.blocked else "Closed",
                                         entry.user, entry.timestamp, issue_trend(entries),
                                         settings.company, currency))
    book.write_sheet(issues_output(issues))
    book.set_marks(marks_for(issues))
    book.write_sheet(periods_output(entries))
    job = CloseJobResult("close", book.name, result.period, issues, close_summary(result),
                         blocked=result.blocked)
    job.audit = entry
    return job


def close_summary(result: CloseResult) -> dict[str, object]:
    """The --json summary: the outcome, the checklist and the key figures."""
    f = result.figures
    return {
        "closed": not result.blocked,
        "checklist": [{"step": c.step, "status": c.status, "detail": c.detail}
                      for c in result.checks],
        "entries": len(result.journal.entries), "postings": result.journal.line_count,
        "figures": {"revenue": f.revenue, "cogs": f.cogs, "gross_margin": f.gross_margin,
                    "payroll_cost": f.payroll_cost, "ar_outstanding": f.ar_outstanding,
                    "ap_outstanding": f.ap_outstanding, "dso": f.dso,
                    "inventory_value": f.inventory_value, "cash_low_point": f.cash_low_point},
        "cutoff": [c.invoice_no for c in result.journal.cutoff],
    }


def reopen_job(book: Workbook, ctx: Context, period: str | None = None, *, reason: str = ""
               ) -> JobResult:
    """Reopen a closed period: an audit entry with the reason, and the Periods sheet."""
    reason = reason.strip()
    if not reason:
        raise BadArguments("reopen needs --reason TEXT: say why the period is reopened.")
    inputs = read_inputs(book, ctx, period)
    entries = ctx.chain.entries if ctx.chain is not None else read_audit_log(book)
    state = closed_state(entries, inputs.period)
    if state is None:
        raise BadArguments(f"period {inputs.period} is not closed; there is nothing to reopen.")
    details = f"reopened: {reason} (closed by {state.by} at {state.at})"
    entry = record_audit(book, ctx, REOPEN, inputs.period, details)
    book.write_sheet(periods_output(ctx.chain.entries if ctx.chain else [*entries, entry]))
    result = JobResult("reopen", book.name, inputs.period,
                       summary={"reason": reason, "closed_by": state.by, "closed_at": state.at})
    result.audit = entry
    return result

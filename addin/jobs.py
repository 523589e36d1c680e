"""The jobs a person runs, shared by the ribbon and the `backoffice` command.

A job takes an open Workbook and the run's Context, calls the engine, stages its output sheets
and one audit entry (chained in the run's in-memory log, `ctx.chain`). It never saves: the one
door every writing run passes (addin/runner.py) saves once after all its steps.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.audit import AuditChain, AuditEntry, Verdict
from engine.catalogue import catalogue
from engine.invoices import InvoicesOutcome, process_invoices
from engine.issues import Issue, Severity, has_errors, issue_order
from engine.payroll_run import PayrollRun
from engine.rules import rule
from engine.schema import INPUT_SHEETS
from engine.settings import Settings
from engine.stock import StockOutcome, StockSettings, process_stock, rejections, stock_inputs
from engine.stock_ledger import Status
from engine.validation import validate
from workbooks.model import Mark, MarkLevel, Workbook
from workbooks.reading import WorkbookData, read_workbook
from workbooks.safe_save import current_user
from workbooks.sheets.audit import audit_output, read_audit_log
from workbooks.sheets.issues import issues_output
from workbooks.sheets.orders import order_results_output
from workbooks.sheets.rules import rules_output
from workbooks.sheets.stock import reorder_output, stock_ledger_output, stock_valuation_output


@dataclass
class RunInputs:
    """What a run read and validated, once, shared by every step of the run (design.md: a flow
    reads what validation already read). `issues` are reading's and validation's, sorted."""

    data: WorkbookData
    issues: list[Issue]
    period: str
    # what the run's steps computed once and share (e.g. the orders-and-stock engine pass that
    # `process orders` and `process stock` both need), by key; dropped with the RunInputs
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The Config sheet as typed settings (the run's --period applied)."""
        return self.data.settings

    def error_rows(self, sheet: str) -> set[int]:
        """Excel rows of `sheet` with an error: the flows do not process them."""
        return {i.row for i in self.issues if i.sheet == sheet and i.severity == "error" and i.row}


REPORTED = "reported"  # RunInputs.memo: positions in `issues` a step of the run has listed


@dataclass
class Context:
    """Who runs the job, when, on what input (the engine never reads a clock), the period asked
    for (None: the Config sheet's) and the run's audit log, read once when the run opened the
    workbook and shared by its steps (None until the first entry is recorded)."""

    user: str
    host: str
    now: datetime
    input_sha256: str = ""
    period: str | None = None
    chain: AuditChain | None = None
    inputs: RunInputs | None = None

    @classmethod
    def here(cls, input_sha256: str = "", *, period: str | None = None,
             chain: AuditChain | None = None) -> Context:
        """The current user, host and UTC time."""
        return cls(current_user(), socket.gethostname(), datetime.now(UTC), input_sha256,
                   period, chain)

    @property
    def timestamp(self) -> str:
        """UTC ISO 8601 to the second, as the audit log wants it."""
        return self.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class JobResult:
    """What a job did: the command contract's JSON object, before printing."""

    command: str
    workbook: str
    period: str = ""
    issues: list[Issue] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    audit: AuditEntry | None = None

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not has_errors(self.issues)

    @property
    def exit_code(self) -> int:
        """0 done (warnings allowed), 1 done with errors."""
        return 0 if self.ok else 1

    def as_json(self) -> dict[str, object]:
        """The `--json` object of workbook-spec.md, built (so checked) through addin.contract."""
        from addin.contract import JobOutput

        return JobOutput.model_validate({  # issues and audit read by attribute: no copies
            "ok": self.ok, "command": self.command, "workbook": self.workbook,
            "period": self.period, "issues": self.issues, "summary": self.summary,
            "written": self.written, "audit": self.audit,
        }, from_attributes=True).model_dump(mode="json", fallback=str)  # as default=str did


Job = Callable[[Workbook, Context], JobResult]


def record_audit(book: Workbook, ctx: Context, action: str, period: str, details: str
                 ) -> AuditEntry:
    """Stage the Audit Log with one more entry chained to the run's newest entry. The log is
    read from the book only when the run has none yet (a job called on its own): the runner
    gives every step the log it read once, so each step's entry follows the previous step's."""
    if ctx.chain is None:
        ctx.chain = AuditChain(read_audit_log(book))
    entry = ctx.chain.append(timestamp=ctx.timestamp, user=ctx.user, host=ctx.host,
                             action=action, period=period, details=details,
                             input_sha256=ctx.input_sha256)
    book.write_sheet(audit_output(ctx.chain.entries))
    return entry


def read_inputs(book: Workbook, ctx: Context, period: str | None = None) -> RunInputs:
    """Read and validate every input sheet once per run (later steps reuse it). `period`
    (default: the run's --period, then the Config sheet's) is the one checked."""
    period = period or ctx.period
    if ctx.inputs is None or (period and ctx.inputs.period != period):
        data = read_workbook(book)
        if period:
            data.config["period"] = period
        issues = sorted(data.issues + validate(data.tables, data.config, data.config_cells,
                                               data.locale), key=issue_order)
        settled = data.settings.period
        ctx.inputs = RunInputs(data, issues, str(settled) if settled else data.config.get("period", ""))
    return ctx.inputs


def validate_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """Read and validate every input sheet; write Issues, the cell marks and an audit entry."""
    inputs = read_inputs(book, ctx, period)
    data, issues, period = inputs.data, inputs.issues, inputs.period
    result = JobResult("validate", book.name, period, issues, summarise(data, issues))
    inputs.memo[REPORTED] = set(range(len(issues)))  # later steps of the run do not list them again
    book.write_sheet(issues_output(result.issues))
    book.set_marks(marks_for(result.issues))
    details = (f"{sum(data.row_counts.values())} rows read from {len(data.tables)} sheets; "
               f"{result.summary['errors']} errors, {result.summary['warnings']} warnings")
    result.audit = record_audit(book, ctx, "validate", period, details)
    return result


def rules_job(book: Workbook, ctx: Context) -> JobResult:
    """Write the Rules sheet (the catalogue of checks) into the workbook."""
    entries = catalogue()
    book.write_sheet(rules_output(entries))
    result = JobResult("rules", book.name, summary={"rules": len(entries)})
    result.audit = record_audit(book, ctx, "rules", "", f"Rules sheet written ({len(entries)} rules)")
    return result


def clear_marks_job(book: Workbook, ctx: Context) -> JobResult:
    """Remove every mark the tool put on input cells (the Issues sheet stays)."""
    book.set_marks([])
    result = JobResult("clear", book.name)
    result.audit = record_audit(book, ctx, "clear", "", "marks removed from the input cells")
    return result


def marks_for(issues: list[Issue]) -> list[Mark]:
    """A fill and a note on each input cell an issue is about (errors win over warnings)."""
    marks: dict[tuple[str, str], Mark] = {}
    for issue in sorted(issues, key=lambda i: i.severity == "error"):
        if issue.cell:
            level = MarkLevel.ERROR if issue.severity == "error" else MarkLevel.WARNING
            marks[(issue.sheet, issue.cell)] = Mark(issue.sheet, issue.cell, level,
                                                    f"{issue.severity.upper()}: {issue.message}")
    return list(marks.values())


def summarise(data: WorkbookData, issues: list[Issue]) -> dict[str, object]:
    """Rows read per sheet and issue counts, for the summary and --json."""
    errors = sum(1 for i in issues if i.severity == "error")
    return {"rows": data.row_counts, "errors": errors, "warnings": len(issues) - errors}


def run_on_file(path: Path, job: Job, *, dry_run: bool = False) -> JobResult:
    """Run one job on a workbook file through the one door (addin/runner.py): lock, read, job,
    one save, audit head. Kept for callers that run a single job function."""
    from addin.runner import FileTarget, Step, run_steps

    return run_steps(FileTarget(path), [Step("job", job)], dry_run=dry_run)[0]


def verify_file(path: Path) -> tuple[list[AuditEntry], Verdict]:
    """The audit log of a workbook file and the verdict on its chain (outside head included)."""
    from addin.runner import FileTarget, verify

    return verify(FileTarget(path))


# --------------------------------------------------------------------------- payroll (issue 12)


def payroll_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """Gross-to-net payroll of the period (engine.payroll_run): Payroll Register and Payslips,
    the flow's issues reported like every flow's (report_flow_issues), one audit entry. Only the
    period's rows without errors are paid."""
    from workbooks.sheets.payroll import payroll_register, payslips_output

    inputs = read_inputs(book, ctx, period)
    settings = inputs.settings
    run = payroll_run(inputs)
    if run.result is not None:
        book.write_sheet(payroll_register(run, settings.functional_currency))
        book.write_sheet(payslips_output(run, settings, settings.functional_currency))
    issues = report_flow_issues(book, inputs, run.issues, PAYROLL_INPUTS)
    summary = {**run.summary(), **summarise(inputs.data, issues)}
    result = JobResult("process payroll", book.name, inputs.period, issues, summary)
    result.audit = record_audit(book, ctx, "process payroll", inputs.period, run.details())
    return result


PAYROLL_RUN = "payroll"  # RunInputs.memo: the run's payroll engine pass (payroll step, close)


def payroll_run(inputs: RunInputs) -> PayrollRun:
    """The run's payroll engine pass, made once: `process payroll` and the close (which posts
    the payroll) share it, so `close` and `process all` compute the payroll once per run."""
    from engine.payroll_run import process_payroll

    run: PayrollRun | None = inputs.memo.get(PAYROLL_RUN)
    if run is None:
        run = process_payroll(inputs.data.tables, inputs.settings, inputs.issues,
                              inputs.data.locale)
        inputs.memo[PAYROLL_RUN] = run
    return run


# --------------------------------------------------------------------------- invoices (issue 11)

def invoices_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """Age receivables and payables as of the Period's last day and forecast 13 weeks of cash:
    AR Aging, AP Aging, Invoice Status and Cash Forecast, one audit entry. Rows with validation
    errors are left out; the Issues sheet and the marks carry validation's issues and the flow's
    (payment.before_invoice, aging.credit_balance), reported like every flow's."""
    from workbooks.sheets.aging import aging_sheet, status_sheet
    from workbooks.sheets.cashflow import forecast_sheet

    inputs = read_inputs(book, ctx, period)
    settings, tables = inputs.settings, inputs.data.tables
    outcome = None
    if settings.period is not None:  # else validation's config.period error says why
        outcome = invoices_outcome(inputs)
        invoices = tables.get("Invoices")
        column = invoices.letters.get("Invoice No", "A") if invoices is not None else "A"
        for sheet in (aging_sheet(outcome.aging, "AR"), aging_sheet(outcome.aging, "AP"),
                      status_sheet(outcome.aging, column),
                      forecast_sheet(outcome.forecast, outcome.aging)):
            book.write_sheet(sheet)
    issues = report_flow_issues(book, inputs, outcome.issues if outcome else [], INVOICE_INPUTS)
    result = JobResult("process invoices", book.name, inputs.period, issues,
                       summarise(inputs.data, issues))
    if outcome is not None:
        result.summary["invoices"] = outcome.summary()
    result.audit = record_audit(book, ctx, "process invoices", inputs.period,
                                _invoices_details(outcome, settings.functional_currency, issues))
    return result


INVOICES_OUTCOME = "invoices"  # RunInputs.memo: the run's aging and forecast (invoices step, close)


def invoices_outcome(inputs: RunInputs) -> InvoicesOutcome:
    """The run's invoices engine pass (aging as of the Period's end, cash forecast), made once:
    `process invoices` and the close share it. Rows with validation errors are left out."""
    outcome: InvoicesOutcome | None = inputs.memo.get(INVOICES_OUTCOME)
    if outcome is None:
        tables = inputs.data.tables
        rejected = {t.sheet: inputs.error_rows(t.sheet) for t in tables.values()}
        outcome = process_invoices(tables, inputs.settings, rejected)
        inputs.memo[INVOICES_OUTCOME] = outcome
    return outcome


def _invoices_details(outcome: InvoicesOutcome | None, functional: str, issues: list[Issue]) -> str:
    """The audit entry's Details: what was aged and the figures a reviewer checks."""
    errors = sum(1 for i in issues if i.severity == "error")
    counts = f"{errors} errors, {len(issues) - errors} warnings"
    if outcome is None:
        return f"not processed: no valid Config Period; {counts}"
    figures = outcome.summary()
    owed: dict[str, str] = figures["outstanding"]  # type: ignore[assignment]
    return (f"{figures['invoices']} invoices aged as of {figures['as_of']} ({figures['open']} open): "
            f"AR {owed['AR']} {functional}, AP {owed['AP']} {functional} outstanding; 13-week net "
            f"cash {figures['cumulative_13_weeks']} {functional}; {counts}")


# --------------------------------------------------------------------------- flow issues


def report_flow_issues(book: Workbook, inputs: RunInputs, found: list[Issue],
                       sheets: set[str]) -> list[Issue]:
    """A flow step's issues: joined to the run's flow issues; the Issues sheet and the marks are
    rewritten with validation's issues and every flow issue of the run so far (the sheet shows
    what the user was told). Returns what the step's result lists: its own issues, and
    validation's issues on the flow's `sheets` (canonical names; Config always) unless an earlier
    step of the run listed them (validate does), so `process all` lists each issue once."""
    reported: list[Issue] = inputs.memo.setdefault(FLOW_ISSUES, [])
    reported.extend(found)
    everything = sorted(inputs.issues + reported, key=issue_order)
    book.write_sheet(issues_output(everything))
    book.set_marks(marks_for(everything))
    tables = inputs.data.tables
    names = {tables[n].sheet if n in tables else n for n in sheets | {"Config"}}
    listed: set[int] = inputs.memo.setdefault(REPORTED, set())
    fresh = [n for n, issue in enumerate(inputs.issues) if n not in listed and issue.sheet in names]
    listed.update(fresh)
    return sorted([inputs.issues[n] for n in fresh] + found, key=issue_order)


FLOW_ISSUES = "flow issues"  # RunInputs.memo: the issues the run's flow steps found
PAYROLL_INPUTS = {"Payroll", "Tax Tables"}  # the sheets whose issues each flow lists
INVOICE_INPUTS = {"Invoices", "Payments", "FX Rates"}



# --------------------------------------------------------------------------- orders and stock

STOCK_OUTCOME = "orders and stock"  # RunInputs.memo: the engine pass both commands share
ORDER_INPUTS = {"Orders", "FX Rates"}
STOCK_INPUTS = {"Stock", "Stock Movements"}


def stock_outcome(inputs: RunInputs) -> StockOutcome:
    """The run's orders-and-stock engine pass, made once: `process orders` needs the ledger
    (allocation) and `process stock` the allocations (order lines leave stock), so whichever
    runs first computes it and the other reuses it (`process all` runs the engine once)."""
    outcome: StockOutcome | None = inputs.memo.get(STOCK_OUTCOME)
    if outcome is None:
        records = stock_inputs(inputs.data.tables, StockSettings.from_settings(inputs.settings))
        outcome = process_stock(records, rejections(inputs.issues))
        inputs.memo[STOCK_OUTCOME] = outcome
    return outcome


def missing_sheet(inputs: RunInputs, sheet: str) -> list[Issue]:
    """sheet.missing for the sheet a flow works on when the book has none (a flow run on
    nothing says so instead of writing empty results), unless reading already said it."""
    if sheet in inputs.data.tables or any(i.rule == "sheet.missing" and i.sheet == sheet
                                          for i in inputs.issues):
        return []
    spec = next(s for s in INPUT_SHEETS if s.name == sheet)
    required = ", ".join(c.name for c in spec.columns if c.required)
    message = rule("sheet.missing").message(inputs.settings.locale, column=sheet, detail=required)
    return [Issue(sheet, "", None, "", "sheet.missing", Severity.ERROR, message, "")]


def _orders_sheet(inputs: RunInputs) -> str:
    table = inputs.data.tables.get("Orders")
    return table.sheet if table is not None else "Orders"


def orders_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """`process orders`: price every order line (Net, Tax, Total, the functional total) and
    allocate it from stock; write Order Results, the Issues sheet and an audit entry."""
    inputs = read_inputs(book, ctx, period)
    outcome, settings = stock_outcome(inputs), inputs.settings
    orders_sheet = _orders_sheet(inputs)
    own = missing_sheet(inputs, "Orders") + [i for i in outcome.issues if i.sheet == orders_sheet]
    book.write_sheet(order_results_output(outcome.orders, settings.functional_currency))
    result = JobResult("process orders", book.name, inputs.period,
                       report_flow_issues(book, inputs, own, ORDER_INPUTS),
                       orders_summary(outcome, settings.functional_currency))
    s = result.summary
    details = (f"{s['lines']} order lines: {s['fulfilled']} fulfilled, {s['partial']} partial, "
               f"{s['backordered']} backordered, {s['rejected']} rejected; total "
               f"{s['total_functional']} {settings.functional_currency}")
    result.audit = record_audit(book, ctx, "process orders", inputs.period, details)
    return result


def stock_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """`process stock`: post every SKU's ledger (receipts, issues, adjustments, allocated order
    lines) under the Config Valuation Method; write Stock Ledger, Stock Valuation (with its
    chart), Reorder, the Issues sheet and an audit entry."""
    inputs = read_inputs(book, ctx, period)
    outcome, settings = stock_outcome(inputs), inputs.settings
    orders_sheet = _orders_sheet(inputs)
    own = missing_sheet(inputs, "Stock") + [i for i in outcome.issues if i.sheet != orders_sheet]
    functional = settings.functional_currency
    for sheet in (stock_ledger_output(outcome.ledger, functional),
                  stock_valuation_output(outcome.valuation, functional),
                  reorder_output(outcome.reorder)):
        book.write_sheet(sheet)
    result = JobResult("process stock", book.name, inputs.period,
                       report_flow_issues(book, inputs, own, STOCK_INPUTS | {"Orders"}),
                       stock_summary(outcome,
                                     StockSettings.from_settings(settings).method))
    s = result.summary
    details = (f"{s['skus']} SKUs, {s['ledger_rows']} ledger rows ({s['method']}); closing "
               f"value {s['closing_value']} {functional}, COGS {s['cogs']}; "
               f"{s['reorder']} to reorder")
    result.audit = record_audit(book, ctx, "process stock", inputs.period, details)
    return result


def orders_summary(outcome: StockOutcome, functional: str) -> dict[str, object]:
    """Lines by status and the functional total, for the summary and --json (amounts as text:
    exact)."""
    counts = {status: 0 for status in Status}
    for order in outcome.orders:
        counts[order.status] += 1
    total = sum((o.total_functional for o in outcome.orders if o.total_functional is not None),
                Decimal("0.00"))
    return {"lines": len(outcome.orders), "fulfilled": counts[Status.FULFILLED],
            "partial": counts[Status.PARTIAL], "backordered": counts[Status.BACKORDERED],
            "rejected": counts[Status.REJECTED], "total_functional": str(total),
            "currency": functional,
            "backordered_qty": _qty(sum((o.backordered for o in outcome.orders), Decimal(0)))}


def stock_summary(outcome: StockOutcome, method: str) -> dict[str, object]:
    """SKUs, ledger rows, closing value, COGS and the reorder count (amounts as text: exact)."""
    valuation = outcome.valuation
    return {"skus": len(valuation), "ledger_rows": len(outcome.ledger), "method": method,
            "closing_value": str(sum((v.closing_value for v in valuation), Decimal("0.00"))),
            "cogs": str(sum((v.cogs for v in valuation), Decimal("0.00"))),
            "reorder": len(outcome.reorder)}


def _qty(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

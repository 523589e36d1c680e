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
from pathlib import Path

from engine.audit import AuditChain, AuditEntry, Verdict
from engine.catalogue import catalogue
from engine.issues import Issue, has_errors, issue_order
from engine.settings import Settings
from engine.validation import validate
from workbooks.model import Mark, MarkLevel, Workbook
from workbooks.reading import WorkbookData, read_workbook
from workbooks.safe_save import current_user
from workbooks.sheets.audit import audit_output, read_audit_log
from workbooks.sheets.issues import issues_output
from workbooks.sheets.rules import rules_output


@dataclass
class RunInputs:
    """What a run read and validated, once, shared by every step of the run (design.md: a flow
    reads what validation already read). `issues` are reading's and validation's, sorted."""

    data: WorkbookData
    issues: list[Issue]
    period: str

    @property
    def settings(self) -> Settings:
        """The Config sheet as typed settings (the run's --period applied)."""
        return self.data.settings

    def error_rows(self, sheet: str) -> set[int]:
        """Excel rows of `sheet` with an error: the flows do not process them."""
        return {i.row for i in self.issues if i.sheet == sheet and i.severity == "error" and i.row}


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
    the Issues sheet rewritten with validation's issues and payroll's own (cells marked), one
    audit entry. Only the period's rows without errors are paid."""
    from engine.payroll_run import process_payroll
    from workbooks.sheets.payroll import payroll_register, payslips_output

    inputs = read_inputs(book, ctx, period)
    settings = inputs.settings
    run = process_payroll(inputs.data.tables, settings, inputs.issues, inputs.data.locale)
    issues = sorted(inputs.issues + run.issues, key=issue_order)
    summary = {**run.summary(), **summarise(inputs.data, issues)}
    result = JobResult("process payroll", book.name, inputs.period, issues, summary)
    if run.result is not None:
        book.write_sheet(payroll_register(run, settings.functional_currency))
        book.write_sheet(payslips_output(run, settings, settings.functional_currency))
    book.write_sheet(issues_output(issues))
    book.set_marks(marks_for(issues))
    result.audit = record_audit(book, ctx, "process payroll", inputs.period, run.details())
    return result

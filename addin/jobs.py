"""The jobs a person runs, shared by the ribbon and the `backoffice` command.

A job takes an open Workbook, calls the engine, stages its output sheets and one audit entry,
and saves. `run_on_file` wraps a job in the safe-write protocol for a workbook file: lock,
open-in-Excel check, read, job, write, head record.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from engine.audit import AuditEntry, next_entry
from engine.catalogue import catalogue
from engine.errors import UnsafeWrite
from engine.issues import Issue, has_errors, issue_order
from engine.validation import validate
from workbooks.model import Mark, MarkLevel, Workbook
from workbooks.reading import WorkbookData, read_workbook
from workbooks.safe_save import current_user, refuse_if_open_in_excel, workbook_lock
from workbooks.sheets.audit import (
    audit_output,
    read_audit_log,
    read_audit_rows,
    read_head,
    write_head,
)
from workbooks.sheets.issues import issues_output
from workbooks.sheets.rules import rules_output
from workbooks.xlsx.screening import inspect_file
from workbooks.xlsx_file import FileWorkbook


@dataclass
class Context:
    """Who runs the job, when, and on what input (the engine never reads a clock)."""

    user: str
    host: str
    now: datetime
    input_sha256: str = ""

    @classmethod
    def here(cls, input_sha256: str = "") -> Context:
        """The current user, host and UTC time."""
        return cls(current_user(), socket.gethostname(), datetime.now(UTC), input_sha256)

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
    """Stage the Audit Log with one more entry chained to the last."""
    log = read_audit_log(book)
    entry = next_entry(log, timestamp=ctx.timestamp, user=ctx.user, host=ctx.host,
                       action=action, period=period, details=details,
                       input_sha256=ctx.input_sha256)
    book.write_sheet(audit_output([*log, entry]))
    return entry


def validate_job(book: Workbook, ctx: Context, period: str | None = None) -> JobResult:
    """Read and validate every input sheet; write Issues, the cell marks and an audit entry."""
    data = read_workbook(book)
    if period:
        data.config["period"] = period
    period = data.config.get("period", "")
    issues = sorted(data.issues + validate(data.tables, data.config, data.config_cells, data.locale),
                    key=issue_order)
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


@contextlib.contextmanager
def file_session(path: Path, *, writes: bool = True) -> Iterator[FileWorkbook]:
    """Open the workbook for a job; for one that writes, first refuse if Excel has it open and
    take the lock (a dry run only reads: no lock file, and a book open in Excel is fine)."""
    if not writes:
        yield FileWorkbook.open(path)
        return
    refuse_if_open_in_excel(path)
    inspect_file(path)  # a bad file is refused before we create a lock file beside it
    with workbook_lock(path):
        yield FileWorkbook.open(path, prefetch=True)


def run_on_file(path: Path, job: Job, *, dry_run: bool = False) -> JobResult:
    """Run `job` on a workbook file with the safe-write protocol; save unless dry_run."""
    with file_session(path, writes=not dry_run) as book:
        ctx = Context.here(book.read_as.sha256)
        result = job(book, ctx)
        if dry_run:
            result.written, result.audit = [], None
            return result
        try:
            result.written = book.save()
        except UnsafeWrite as refusal:
            raise _with_sidecar(book, refusal) from None
        if result.audit is not None:
            write_head(path, result.audit)
        result.written = [n for n in result.written if n]
        return result


def _with_sidecar(book: FileWorkbook, refusal: UnsafeWrite) -> UnsafeWrite:
    """Write the results to `<name>.results.xlsx` and extend the refusal message."""
    from workbooks.xlsx.sidecar import write_sidecar

    if not book.conflicts():
        return refusal
    sidecar = write_sidecar(book.path, list(book.staged.values()))
    return UnsafeWrite(f"{refusal.message} The results were written to {sidecar.name} instead.")


def verify_file(path: Path) -> tuple[list[AuditEntry], object]:
    """The audit log of a workbook file and the verdict on its chain (outside head included)."""
    import dataclasses

    from engine.audit import verify_chain

    book = FileWorkbook.open(path)
    log, rows = read_audit_rows(book)
    verdict = verify_chain(log, read_head(path))
    if verdict.bad_index is not None:
        verdict = dataclasses.replace(verdict, row=rows[min(verdict.bad_index, len(rows) - 1)])
    return log, verdict

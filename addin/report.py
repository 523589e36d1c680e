"""What the command prints: readable tables for people, one JSON object with --json."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from addin.jobs import JobResult
from engine.audit import AuditEntry, Verdict
from engine.catalogue import Entry

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
MAX_ISSUES_SHOWN = 20


@contextlib.contextmanager
def progress(message: str, enabled: bool = True) -> Iterator[None]:
    """A spinner on stderr while a long step runs (silent with --json or without a terminal)."""
    if not enabled or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def emit(result: JobResult, as_json: bool, human: Callable[[], None]) -> int:
    """Print the result (JSON or human) and return its exit code."""
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False, default=str))
    else:
        human()
    return result.exit_code


def run_summary(results: list[JobResult]) -> None:
    """Each step's summary in turn (a run of one step: just its summary)."""
    if len(results) == 1:
        job_summary(results[0])
        return
    for index, result in enumerate(results):
        out.print(f"[bold]Step {index + 1} of {len(results)}: {result.command}[/]")
        job_summary(result, written=False)
    if results[-1].written:
        out.print(f"Wrote: {', '.join(results[-1].written)} (one save)")


def done(command: str, facts: dict[str, object], as_json: bool, message: str) -> None:
    """A command that is not a job run: one line, or one JSON object with its facts."""
    if as_json:
        print(json.dumps({"ok": True, "command": command, **facts}, ensure_ascii=False))
    else:
        out.print(message)


def job_summary(result: JobResult, written: bool = True) -> None:
    """Rows read, issues (the first few), sheets written (unless `written` is False: a step of a
    longer run), audit entry."""
    rows: dict[str, int] = result.summary.get("rows", {})  # type: ignore[assignment]
    if rows:
        table = Table(title=f"{result.workbook} — period {result.period or '?'}", title_justify="left")
        table.add_column("Sheet")
        table.add_column("Rows read", justify="right")
        for sheet, count in rows.items():
            table.add_row(sheet, f"{count:,}")
        out.print(table)
        _issues(result)
        if result.command == "process payroll":
            _payroll_figures(result.summary)
        if result.command == "process invoices":
            _invoice_figures(result.summary)
    elif result.command == "clear":
        out.print(f"Removed the marks Back Office had put on {result.workbook}'s input cells.")
    elif result.command == "rules":
        out.print(f"Wrote the Rules sheet ({result.summary.get('rules')} rules).")
    elif result.command in ("process orders", "process stock"):
        _flow_summary(result)
    if written and result.written:
        out.print(f"Wrote: {', '.join(result.written)}")
    if result.audit:
        out.print(f"Audit entry #{result.audit.seq} ({result.audit.entry_hash[:12]}…)")


def _flow_summary(result: JobResult) -> None:
    """A flow step's figures (its summary, one "key: value" per line) and its issues."""
    facts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in result.summary.items())
    out.print(f"{result.command.capitalize()} — {result.workbook}, period {result.period or '?'}: "
              f"{escape(facts)}")
    _issues(result)


def _issues(result: JobResult) -> None:
    errors = result.summary.get("errors", sum(i.severity == "error" for i in result.issues))
    warnings = result.summary.get("warnings", len(result.issues) - int(errors))  # type: ignore[call-overload]
    verdict = "[green]no errors[/]" if result.ok else f"[red]{errors} errors[/]"
    out.print(f"Issues: {verdict}, {warnings} warnings")
    for issue in result.issues[:MAX_ISSUES_SHOWN]:
        colour = "red" if issue.severity == "error" else "yellow"
        out.print(f"  [{colour}]{issue.severity:7}[/] {escape(issue.address):18} {escape(issue.message)}")
    if len(result.issues) > MAX_ISSUES_SHOWN:
        out.print(f"  … and {len(result.issues) - MAX_ISSUES_SHOWN} more on the Issues sheet")


def rules_table(entries: list[Entry], locale: str, as_json: bool) -> int:
    """Print the rule catalogue."""
    if as_json:
        print(json.dumps({"ok": True, "command": "rules", "rules": [
            {"id": e.rule.id, "severity": str(e.rule.severity), "title": e.rule.title,
             "applies_to": list(e.scope), "message_en": e.rule.en, "message_pt": e.rule.pt}
            for e in entries]}, ensure_ascii=False))
        return 0
    table = Table(title=f"{len(entries)} rules", title_justify="left", show_lines=False)
    for column in ("Rule", "Severity", "What it checks", "Applies to"):
        table.add_column(column, overflow="fold")
    for e in entries:
        title = e.rule.title if locale != "pt-BR" else e.rule.pt.split(";")[0]
        table.add_row(e.rule.id, str(e.rule.severity), escape(title), escape("; ".join(e.scope)))
    out.print(table)
    return 0


def demo_summary(run: Any) -> None:
    """The demo's summary (addin.demo.DemoRun): the processed book and what its runs found, then
    the corrected copy and its close's checklist."""
    out.print(f"Demo workbook written to [bold]{run.path}[/]")
    job_summary(run.processed[0], written=False)
    for step in run.processed[1:]:  # what each `process all` step did, as its audit entry says
        details = f": {step.audit.details}" if step.audit else ""
        out.print(f"[bold]{step.command}[/]{escape(details)}")
    planted = run.facts.planted
    if planted:
        out.print(f"The demo plants {len(planted)} problems on purpose to show how they are "
                  "reported: see the Issues sheet and the marked cells.")
    out.print(f"\nThe same book with the planted errors corrected: [bold]{run.closed_path}[/]")
    for change in run.corrections:
        out.print(f"  corrected {change}")
    close_summary(run.closing)
    out.print(f"Open {run.path} and {run.closed_path.name} in Excel or LibreOffice: Issues, "
              "Journal, Trial Balance, Close Report and Audit Log sheets.")


def audit_show(path: Path, log: list[AuditEntry], verdict: Verdict, as_json: bool) -> int:
    """List the entries; exit 0 (showing is not verifying, but a break is mentioned)."""
    if as_json:
        print(json.dumps({"ok": verdict.ok, "command": "audit show", "workbook": path.name,
                          "entries": [dict(zip(_KEYS, e.as_row(), strict=True)) for e in log]},
                         ensure_ascii=False))
        return 0
    table = Table(title=f"Audit log of {path.name}", title_justify="left")
    for column in ("Seq", "Timestamp", "User", "Action", "Period", "Details", "Entry Hash"):
        table.add_column(column)
    for e in log:
        table.add_row(str(e.seq), e.timestamp, e.user, e.action, e.period, e.details,
                      e.entry_hash[:12] + "…")
    out.print(table)
    if not verdict.ok:
        out.print("[red]The chain is broken; run `backoffice audit verify` for details.[/]")
    return 0


_KEYS = ("seq", "timestamp", "user", "host", "action", "period", "details", "input_sha256",
         "prev_hash", "entry_hash")


def audit_verify(path: Path, log: list[AuditEntry], verdict: Verdict, as_json: bool) -> int:
    """Exit 0 when the chain is intact, 1 naming the first bad row otherwise."""
    bad_row = verdict.row if verdict.row is not None else (
        None if verdict.bad_index is None else verdict.bad_index + 2)  # header is row 1
    if as_json:
        print(json.dumps({"ok": verdict.ok, "command": "audit verify", "workbook": path.name,
                          "entries": verdict.entries, "first_bad_row": bad_row,
                          "reason": verdict.reason, "warning": verdict.warning}, ensure_ascii=False))
    elif verdict.ok:
        out.print(f"[green]Audit log intact[/]: {verdict.entries} entries, chain verified.")
        if verdict.warning:
            out.print(f"[yellow]Note[/]: {verdict.warning}.")
    else:
        out.print(f"[red]Audit log broken[/] at Audit Log row {bad_row} "
                  f"(entry {verdict.bad_index + 1 if verdict.bad_index is not None else '?'}): "
                  f"{verdict.reason}.")
    return 0 if verdict.ok else 1


def doctor(checks: list[Any], as_json: bool) -> int:
    """Print each check; exit 1 when any failed."""
    ok = all(c.ok for c in checks)
    if as_json:
        print(json.dumps({"ok": ok, "command": "doctor", "checks": [
            {"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix} for c in checks]},
            ensure_ascii=False))
        return 0 if ok else 1
    for c in checks:
        mark = "[green]ok[/]  " if c.ok else "[red]fix[/] "
        out.print(f"{mark} {c.name}: {escape(c.detail)}")
        if c.fix:
            out.print(f"      → {escape(c.fix)}")
    return 0 if ok else 1


def _payroll_figures(summary: dict[str, object]) -> None:
    """What `process payroll` paid, and what it did not pay and why."""
    if summary.get("not_run"):
        out.print(f"[red]Payroll not run:[/] {summary['not_run']}")
        return
    out.print(f"Payroll ({summary.get('rules')}): {summary.get('employees_paid')} employees paid; "
              f"gross {summary.get('gross')}, net pay {summary.get('net_pay')}, "
              f"employer cost {summary.get('total_cost')}")
    left: dict[str, int] = summary.get("not_paid", {})  # type: ignore[assignment]
    if any(left.values()):
        out.print(f"Not paid: {left.get('other_period', 0)} rows of another period, "
                  f"{left.get('errors', 0)} rows with errors, "
                  f"{left.get('negative_net_pay', 0)} with negative net pay")


def _invoice_figures(summary: dict[str, object]) -> None:
    """What `process invoices` aged and the cash it expects."""
    figures = summary.get("invoices")
    if not isinstance(figures, dict):
        out.print("[red]Invoices not aged:[/] the Config Period is not valid")
        return
    owed = figures["outstanding"]
    out.print(f"Aged as of {figures['as_of']}: {figures['invoices']} invoices, {figures['open']} "
              f"open; outstanding AR {owed['AR']}, AP {owed['AP']}; net cash over 13 weeks "
              f"{figures['cumulative_13_weeks']} (Cash Forecast)")


def close_summary(results: list[JobResult]) -> None:
    """A close run: the checklist with pass/fail, the key figures, where to look."""
    closing = results[-1]
    summary = closing.summary
    closed = bool(summary.get("closed"))
    out.print(f"[bold]Month-end close {closing.period}: {'CLOSED' if closed else 'BLOCKED'}[/]")
    for check in summary.get("checklist", []):  # type: ignore[attr-defined]
        mark = {"pass": "[green]PASS[/]", "fail": "[red]FAIL[/]"}.get(check["status"], "n/a ")
        out.print(f"  {mark}  {check['step']}: {check['detail']}")
    figures: dict[str, object] = summary.get("figures", {})  # type: ignore[assignment]
    out.print("  " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items()
                               if v is not None))
    errors = [i for i in closing.issues if i.severity == "error"]
    for issue in errors[:10]:
        out.print(f"  [red]blocks[/] {issue.address}: {issue.message}")
    if closing.written:
        out.print(f"Wrote: {', '.join(closing.written)} (one save)")

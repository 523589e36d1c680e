"""Every command, registered in one place: the `backoffice` parser (addin/cli.py) is built from
this table and the ribbon (addin/ribbon.py) takes its buttons' steps from it.

A job command is a list of steps run in one session through addin/runner.py; adding
`process orders|stock|invoices|payroll|all` or `close` is one `Command(...)` entry each, e.g.

    Command("process all", "run every flow for the period", steps=(ORDERS, STOCK, INVOICES,
            PAYROLL), period=True, ribbon="process_all")

`period=False` means the command ignores the period, so `--period` given to it is refused
(exit 2) instead of being silently dropped.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from addin.jobs import (
    JobResult,
    clear_marks_job,
    invoices_job,
    orders_job,
    payroll_job,
    rules_job,
    stock_job,
    validate_job,
)
from addin.runner import FileTarget, Step, run_steps

Handler = Callable[[argparse.Namespace, "Command"], int]

VALIDATE = Step("validate", validate_job, takes_period=True)
RULES = Step("rules", rules_job)
CLEAR = Step("clear", clear_marks_job)
PAYROLL = Step("process payroll", payroll_job, takes_period=True)
INVOICES = Step("process invoices", invoices_job, takes_period=True)
ORDERS = Step("process orders", orders_job, takes_period=True)
STOCK = Step("process stock", stock_job, takes_period=True)


@dataclass(frozen=True)
class Command:
    """One command as typed ("validate", "audit verify", "process all").

    steps: the jobs a run makes, in order, in one session (a command with steps writes);
    handler: what a command that is not a plain job run does (None: run the steps on the book);
    book: it takes the workbook path as its argument; period: --period applies to it;
    arguments: its own extra arguments; ribbon: the tag of the ribbon button doing the same."""

    name: str
    help: str
    steps: tuple[Step, ...] = ()
    handler: Handler | None = None
    book: bool = True
    period: bool = False
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    ribbon: str = ""

    @property
    def writes(self) -> bool:
        """Whether the command writes into the workbook (and so takes --dry-run)."""
        return bool(self.steps) and self.book


def run_job(args: argparse.Namespace, command: Command, path: Path | None = None
            ) -> list[JobResult]:
    """Run the command's steps on the workbook file named on the command line."""
    from addin import report

    target = path or args.workbook
    with report.progress(f"{command.name.capitalize()}: {target.name}", enabled=not args.json):
        return run_steps(FileTarget(target), command.steps,
                         dry_run=getattr(args, "dry_run", False), period=args.period)


def cmd_job(args: argparse.Namespace, command: Command) -> int:
    """A plain job command: run its steps, print the result (one result per step)."""
    from addin import report

    results = run_job(args, command)
    result = results[0] if len(results) == 1 else combine(command.name, results)
    return report.emit(result, args.json, lambda: report.run_summary(results))


def combine(name: str, results: list[JobResult]) -> JobResult:
    """One result for a run of several steps: every issue, each step's summary and audit entry,
    the run's last audit entry as its own."""
    steps: list[object] = [{"command": r.command, "summary": r.summary,
                            "audit": {"seq": r.audit.seq, "entry_hash": r.audit.entry_hash}
                            if r.audit else None} for r in results]
    return JobResult(name, results[0].workbook, next((r.period for r in results if r.period), ""),
                     [i for r in results for i in r.issues], {"steps": steps},
                     results[-1].written, next((r.audit for r in reversed(results) if r.audit),
                                               None))


def cmd_demo(args: argparse.Namespace, command: Command) -> int:
    """Write the demo workbook, validate and process it; close a corrected copy."""
    from addin import report
    from addin.demo import demo

    run = demo(args.path, force=args.force, progress=not args.json)
    report.emit(run.result, args.json, lambda: report.demo_summary(run))
    # the demo's errors are planted on purpose: the run succeeded when the corrected copy closed
    return 0 if run.closed else 1


def cmd_rules(args: argparse.Namespace, command: Command) -> int:
    """List the rules, or write them as a Rules sheet into the book given by --write."""
    from addin import report
    from engine.catalogue import catalogue

    if not args.write:
        return report.rules_table(catalogue(), args.locale, args.json)
    result = run_job(args, command, args.write)[0]
    return report.emit(result, args.json, lambda: report.out.print(
        f"Wrote the Rules sheet ({result.summary['rules']} rules) into {args.write.name}."))


def cmd_audit(args: argparse.Namespace, command: Command) -> int:
    """Show the audit log, or verify its chain (exit 1 when broken)."""
    from addin import report
    from addin.runner import verify

    log, verdict = verify(FileTarget(args.workbook))
    if command.name == "audit show":
        return report.audit_show(args.workbook, log, verdict, args.json)
    return report.audit_verify(args.workbook, log, verdict, args.json)


def cmd_doctor(args: argparse.Namespace, command: Command) -> int:
    """Check the set-up."""
    from addin import report
    from addin.doctor import run_checks

    return report.doctor(run_checks(), args.json)


def cmd_addin(args: argparse.Namespace, command: Command) -> int:
    """Build the add-in, or build and install it."""
    from addin import report
    from addin.install import build, install

    if args.target == "libreoffice":  # backoffice.oxt, the Calc door (addin/libreoffice)
        from addin.libreoffice import build as oxt_build
        from addin.libreoffice import install as oxt_install

        build, install = oxt_build.build_oxt, oxt_install.install
    action = command.name.split()[1]
    target = build(args.out) if action == "build" else install()
    report.done(command.name, {"addin": str(target)}, args.json,
                f"{'Built' if action == 'build' else 'Installed'} {target}")
    return 0


def _demo_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default="demo/backoffice-demo.xlsx", type=Path,
                        help="where to write it (default: demo/backoffice-demo.xlsx)")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")


def _rules_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", type=Path, metavar="BOOK", help="write a Rules sheet into BOOK")
    parser.add_argument("--locale", choices=["en", "pt-BR"], default="en", help="message language")


def _build_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("build"), help="folder (default build/)")
    _target_args(parser)


def _target_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=["excel", "libreoffice"], default="excel",
                        help="excel: backoffice.xlam (default); libreoffice: backoffice.oxt")


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Add a command to the table (the parser and the ribbon are built from it)."""
    COMMANDS[command.name] = command
    return command


for _command in (
    Command("demo", "write a demo workbook (period 2026-10), validate and process it, and close "
            "a corrected copy",
            handler=cmd_demo, book=False, arguments=_demo_args),
    Command("validate", "read every input sheet, write the Issues sheet", steps=(VALIDATE,),
            period=True, ribbon="validate"),
    Command("rules", "list every check the tool makes (or write them as a Rules sheet)",
            steps=(RULES,), handler=cmd_rules, book=False, arguments=_rules_args),
    Command("clear", "remove the marks (fills and notes) the tool put on input cells",
            steps=(CLEAR,), ribbon="clear_marks"),
    Command("doctor", "check the Python and Excel set-up; say how to fix problems",
            handler=cmd_doctor, book=False, ribbon="doctor"),
    Command("addin build", "build backoffice.xlam from the text sources", handler=cmd_addin,
            book=False, arguments=_build_args),
    Command("addin install", "build the add-in for this Python and put it where Excel loads "
            "it (Windows, macOS; --target libreoffice: LibreOffice, with unopkg)",
            handler=cmd_addin, book=False, arguments=_target_args),
    Command("audit show", "list the audit log entries", handler=cmd_audit, ribbon="audit_show"),
    Command("audit verify", "recompute the hash chain (exit 1 if broken)", handler=cmd_audit,
            ribbon="audit_verify"),
):
    register(_command)

register(Command("process invoices", "age receivables and payables as of the period end and "
                 "forecast 13 weeks of cash (AR Aging, AP Aging, Invoice Status, Cash Forecast)",
                 steps=(INVOICES,), period=True, ribbon="process_invoices"))
register(Command("process payroll", "gross-to-net payroll of the period: Payroll Register and "
                 "printable Payslips", steps=(PAYROLL,), period=True, ribbon="process_payroll"))

# the orders-and-stock flow (issue 10): two commands sharing one engine pass per run
register(Command("process orders", "price and allocate the order lines; write Order Results",
                 steps=(ORDERS,), period=True, ribbon="process_orders"))
register(Command("process stock", "value the stock (ledger, valuation, reorder list)",
                 steps=(STOCK,), period=True, ribbon="value_stock"))

# every flow of the period, in the order the close needs them: orders allocate stock, stock is
# valued, invoices aged, payroll run (each step one audit entry; the engines' passes are kept in
# the run's RunInputs.memo, so a later step, and the close, reuse them)
FLOW_STEPS: tuple[Step, ...] = (ORDERS, STOCK, INVOICES, PAYROLL)

register(Command("process all", "run every flow for the period", steps=FLOW_STEPS, period=True,
                 ribbon="process_all"))


def _close_steps() -> tuple[Step, ...]:
    """Validate, every flow's step, then close: one run, one save; the close posts what the
    flow steps computed (and wrote on their sheets) in that run."""
    from addin.close_jobs import close_job

    return (VALIDATE, *FLOW_STEPS, Step("close", close_job, takes_period=True))


def cmd_close(args: argparse.Namespace, command: Command) -> int:
    """Close the period: one run (one lock, one save); print the checklist; exit 1 if blocked."""
    from addin import report

    results = run_job(args, command)
    closing = results[-1]
    return report.emit(closing, args.json, lambda: report.close_summary(results))


def cmd_reopen(args: argparse.Namespace, command: Command) -> int:
    """Reopen a closed period, with the reason in the audit log."""
    import functools

    from addin import report
    from addin.close_jobs import reopen_job

    step = Step("reopen", functools.partial(reopen_job, reason=args.reason), takes_period=True)
    with report.progress(f"Reopen: {args.workbook.name}", enabled=not args.json):
        result = run_steps(FileTarget(args.workbook), [step],
                           dry_run=getattr(args, "dry_run", False), period=args.period)[0]
    return report.emit(result, args.json, lambda: report.out.print(
        f"Reopened period {result.period} (closed by {result.summary['closed_by']} at "
        f"{result.summary['closed_at']}): {result.summary['reason']}"))


def cmd_export(args: argparse.Namespace, command: Command) -> int:
    """Write the period's journal as beancount or CSV (reads the book; writes only FILE)."""
    from addin import report
    from addin.close_jobs import compute_close
    from addin.export import beancount_text, csv_text
    from addin.jobs import Context, JobResult, read_inputs
    from engine.errors import BadArguments

    suffix = args.to.suffix.lower()
    if suffix not in (".beancount", ".csv"):
        raise BadArguments(f"--to {args.to}: use a .beancount or a .csv file name.")
    with FileTarget(args.workbook).session(writes=False) as book:
        ctx = Context.here(period=args.period)
        result, issues = compute_close(book, ctx)
        settings = read_inputs(book, ctx).settings
    currency = settings.functional_currency
    text = (beancount_text(result, currency, f"{settings.company} {result.period}".strip())
            if suffix == ".beancount" else csv_text(result, currency))
    args.to.write_text(text, encoding="utf-8")
    job = JobResult("export journal", book.name, result.period, issues,
                    {"file": str(args.to), "entries": len(result.journal.entries),
                     "postings": result.journal.line_count})
    return report.emit(job, args.json, lambda: report.out.print(
        f"Wrote {len(result.journal.entries)} entries ({result.journal.line_count} postings) of "
        f"{result.period} to {args.to}."))


def _reopen_placeholder(*_: object) -> JobResult:
    """The reopen command's declared step (it writes, so it takes --dry-run); cmd_reopen runs the
    real step with the reason given."""
    raise AssertionError("reopen runs through cmd_reopen")


def _reopen_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="why the period is reopened (required)")


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", required=True, type=Path, metavar="FILE",
                        help="the file to write: .beancount (ledger) or .csv (one line per posting)")


for _command in (
    Command("close", "month-end close of the period: validate, run the flows, journal, trial "
            "balance, checklist, Close Report; lock the period", steps=_close_steps(),
            handler=cmd_close, period=True, ribbon="close"),
    Command("reopen", "reopen a closed period (--reason required; recorded in the audit log)",
            steps=(Step("reopen", _reopen_placeholder, takes_period=True),), handler=cmd_reopen,
            period=True, arguments=_reopen_args),
    Command("export journal", "write the period's journal as a beancount ledger or CSV",
            handler=cmd_export, period=True, arguments=_export_args),
):
    register(_command)

GROUPS = {  # the help of a command group (the first word of two-word commands)
    "addin": "build or install the Excel add-in (backoffice.xlam)",
    "audit": "show or verify the tamper-evident audit log",
    "export": "export the period's journal (beancount ledger or CSV)",
    "process": "run a flow (orders, stock, invoices, payroll) or all of them",
}

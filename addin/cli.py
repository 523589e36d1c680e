"""The `backoffice` command. Each command body is a few lines over addin.jobs; errors become a
message and an exit code here, in one place (workbook-spec.md, "The backoffice command")."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from addin import report
from engine.errors import BackOfficeError, BadArguments
from engine.parsing import parse_period

EXIT_BUG = 4


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job."""
    parser = argparse.ArgumentParser(
        prog="backoffice", description="Back Office for Excel: validate and process the order, "
        "invoice, payroll and stock sheets of a workbook and keep its audit log.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _command(sub, "demo", "write a demo workbook (period 2026-10) and run the jobs on it")
    demo.add_argument("path", nargs="?", default="demo/backoffice-demo.xlsx", type=Path,
                      help="where to write it (default: demo/backoffice-demo.xlsx)")
    demo.add_argument("--force", action="store_true", help="replace the file if it exists")

    validate = _command(sub, "validate", "read every input sheet, write the Issues sheet")
    _book_args(validate, writes=True)

    rules = _command(sub, "rules", "list every check the tool makes (or write them as a Rules sheet)")
    rules.add_argument("--write", type=Path, metavar="BOOK", help="write a Rules sheet into BOOK")
    rules.add_argument("--locale", choices=["en", "pt-BR"], default="en", help="message language")

    clear = _command(sub, "clear", "remove the marks (fills and notes) the tool put on input cells")
    _book_args(clear, writes=True)

    doctor = _command(sub, "doctor", "check the Python and Excel set-up; say how to fix problems")
    _ = doctor

    addin = _command(sub, "addin", "build or install the Excel add-in (backoffice.xlam)")
    addin_sub = addin.add_subparsers(dest="addin_command", required=True, metavar="ACTION")
    build = _command(addin_sub, "build", "build backoffice.xlam from the text sources")
    build.add_argument("--out", type=Path, default=Path("build"), help="folder (default build/)")
    install_cmd = _command(addin_sub, "install", "build the add-in for this Python and put it where "
                       "Excel loads it (Windows, macOS)")
    for action in (build, install_cmd):  # --target libreoffice: backoffice.oxt (addin/libreoffice)
        action.add_argument("--target", choices=["excel", "libreoffice"], default="excel",
                            help="excel: backoffice.xlam (default); libreoffice: backoffice.oxt")

    audit = _command(sub, "audit", "show or verify the tamper-evident audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    _book_args(_command(audit_sub, "show", "list the audit log entries"), writes=False)
    _book_args(_command(audit_sub, "verify", "recompute the hash chain (exit 1 if broken)"),
               writes=False)
    return parser


def _command(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _book_args(parser: argparse.ArgumentParser, *, writes: bool) -> None:
    parser.add_argument("workbook", type=Path, help="the .xlsx/.xlsm workbook")
    parser.add_argument("--period", help="YYYY-MM (default: the Config sheet's Period)")
    if writes:
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `backoffice` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "period", None) and parse_period(args.period) != args.period:
            raise BadArguments(f"--period {args.period!r} is not a period like 2026-10.")
        return COMMANDS[args.command](args)
    except BackOfficeError as problem:
        return _fail(args, problem.message, problem.exit_code)
    except KeyboardInterrupt:
        return _fail(args, "interrupted; nothing was written.", 130)
    except OSError as problem:  # the environment (disk full, no rights, a file in use)
        where = f" ({problem.filename})" if problem.filename else ""
        return _fail(args, f"{problem.strerror or problem}{where}.", 3)
    except Exception as bug:  # a bug, not a user mistake: one line, details on request
        if os.environ.get("BACKOFFICE_DEBUG"):
            traceback.print_exc()
        return _fail(args, f"internal error ({type(bug).__name__}: {bug}); please report it. "
                     "Set BACKOFFICE_DEBUG=1 for details.", EXIT_BUG)


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    if getattr(args, "json", False):
        from addin.contract import Refusal

        refusal = Refusal(ok=False, command=_name(args), workbook=str(
            getattr(args, "workbook", getattr(args, "path", ""))), error=message, exit_code=code)
        print(json.dumps(refusal.model_dump(mode="json"), ensure_ascii=False))
    else:
        print(f"backoffice: {message}", file=sys.stderr)
    return code


def _name(args: argparse.Namespace) -> str:
    sub = getattr(args, "audit_command", None) or getattr(args, "addin_command", None)
    return f"{args.command} {sub}" if sub else args.command


def cmd_demo(args: argparse.Namespace) -> int:
    from addin.demo import run_demo

    result, facts = run_demo(args.path, force=args.force, progress=not args.json)
    report.emit(result, args.json, lambda: report.demo_summary(args.path, result, facts))
    return 0  # the demo's errors are planted on purpose; the run itself succeeded


def cmd_validate(args: argparse.Namespace) -> int:
    from addin.jobs import run_on_file, validate_job

    with report.progress(f"Validating {args.workbook.name}", enabled=not args.json):
        result = run_on_file(args.workbook, lambda b, c: validate_job(b, c, args.period),
                             dry_run=args.dry_run)
    return report.emit(result, args.json, lambda: report.job_summary(result))


def cmd_rules(args: argparse.Namespace) -> int:
    from engine.catalogue import catalogue

    if args.write:
        from addin.jobs import rules_job, run_on_file

        result = run_on_file(args.write, rules_job)
        return report.emit(result, args.json, lambda: report.out.print(
            f"Wrote the Rules sheet ({result.summary['rules']} rules) into {args.write.name}."))
    return report.rules_table(catalogue(), args.locale, args.json)


def cmd_clear(args: argparse.Namespace) -> int:
    from addin.jobs import clear_marks_job, run_on_file

    result = run_on_file(args.workbook, clear_marks_job, dry_run=args.dry_run)
    return report.emit(result, args.json, lambda: report.job_summary(result))


def cmd_audit(args: argparse.Namespace) -> int:
    from addin.jobs import verify_file

    log, verdict = verify_file(args.workbook)
    if args.audit_command == "show":
        return report.audit_show(args.workbook, log, verdict, args.json)
    return report.audit_verify(args.workbook, log, verdict, args.json)


def cmd_doctor(args: argparse.Namespace) -> int:
    from addin.doctor import run_checks

    return report.doctor(run_checks(), args.json)


def cmd_addin(args: argparse.Namespace) -> int:
    from addin.install import build, install

    if args.target == "libreoffice":
        from addin.libreoffice import build as oxt_build
        from addin.libreoffice import install as oxt_install

        build, install = oxt_build.build_oxt, oxt_install.install
    target = build(args.out) if args.addin_command == "build" else install()
    if args.json:
        print(json.dumps({"ok": True, "command": f"addin {args.addin_command}", "addin": str(target)}))
    else:
        report.out.print(f"{'Built' if args.addin_command == 'build' else 'Installed'} {target}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo, "validate": cmd_validate, "rules": cmd_rules, "clear": cmd_clear,
    "audit": cmd_audit, "doctor": cmd_doctor, "addin": cmd_addin,
}

if __name__ == "__main__":
    sys.exit(main())

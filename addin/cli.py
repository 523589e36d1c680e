"""The `backoffice` command. The commands are registered in addin/commands.py (this parser is
built from that table); errors become a message and an exit code here, in one place
(workbook-spec.md, "The backoffice command")."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from engine.errors import BackOfficeError, BadArguments
from engine.parsing import parse_period

EXIT_BUG = 4


def build_parser() -> argparse.ArgumentParser:
    """The command line, built from the command table (addin/commands.py)."""
    from addin.commands import COMMANDS, GROUPS

    parser = argparse.ArgumentParser(
        prog="backoffice", description="Back Office for Excel: validate and process the order, "
        "invoice, payroll and stock sheets of a workbook and keep its audit log.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for command in COMMANDS.values():
        group, _, action = command.name.partition(" ")
        where = sub
        if action:
            if group not in groups:
                parent = _command(sub, group, GROUPS.get(group, f"{group} commands"))
                groups[group] = parent.add_subparsers(dest="action", required=True,
                                                      metavar="ACTION")
            where = groups[group]
        leaf = _command(where, action or group, command.help)
        leaf.set_defaults(spec=command)
        if command.book:
            leaf.add_argument("workbook", type=Path, help="the .xlsx/.xlsm workbook")
        leaf.add_argument("--period", help="YYYY-MM (default: the Config sheet's Period)"
                          if command.period else argparse.SUPPRESS)
        if command.writes:
            leaf.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        if command.arguments:
            command.arguments(leaf)
    return parser


def _command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
             ) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse --period where it does not apply (exit 2) and a period not like 2026-10."""
    if args.period is None:
        return
    if not args.spec.period:
        raise BadArguments(f"--period does not apply to `backoffice {args.spec.name}` (it does "
                           "not depend on the period); leave it out.")
    if parse_period(args.period) != args.period:
        raise BadArguments(f"--period {args.period!r} is not a period like 2026-10.")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `backoffice` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_arguments(args)
        from addin.commands import cmd_job

        return (args.spec.handler or cmd_job)(args, args.spec)
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
    return str(args.spec.name)


def entry() -> None:
    """The `backoffice` console script: `main`, then out without tearing the heap down (a big
    close leaves millions of objects whose one-by-one release would only delay the exit; every
    file was closed and the output is flushed here)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()

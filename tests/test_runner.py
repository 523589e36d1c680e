"""One door for every writing run (addin/runner.py) and one table of commands (addin/commands.py).

- Several steps in one run: a validate + rules + clear run (registered the way `process all`
  will be) gives 3 chained audit entries, Seq consecutive, one save, one head, and verifies.
- The door: a refusal put in `refuse_if_period_closed` stops every writing command of the CLI
  and the ribbon before anything is written.
- The table: the parser and the ribbon come from it; `--period` on a command that ignores the
  period is exit 2 with one line, not silently dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import config_book
from fake_excel import Book

from addin import cli, commands, ribbon, runner
from addin.commands import CLEAR, RULES, VALIDATE, Command
from addin.runner import FileTarget, LiveTarget, run_steps, verify
from engine.audit import GENESIS
from engine.errors import UnsafeWrite
from workbooks.safe_save import BACKUP_DIR
from workbooks.sheets.audit import head_path, read_audit_log, read_head_record

ROOT = Path(__file__).resolve().parents[1]
STEPS = (VALIDATE, RULES, CLEAR)

# `backoffice check BOOK`: three steps in one session, registered as `process all` will be.
CHECK_CLI = textwrap.dedent("""
    import sys
    from addin import cli, commands
    commands.register(commands.Command(
        "check", "validate, write the Rules sheet, clear the marks",
        steps=(commands.VALIDATE, commands.RULES, commands.CLEAR), period=True))
    sys.exit(cli.main(sys.argv[1:]))
""")


@pytest.fixture(autouse=True)
def _head_beside_the_book(monkeypatch):
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)


def run_cli(*args: str | Path, script: str | None = None) -> subprocess.CompletedProcess[str]:
    """`backoffice ...` as a real process (or `script`, a CLI with one more command)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    command = ["-c", script] if script else ["-m", "addin.cli"]
    return subprocess.run([sys.executable, *command, *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def orders_book(path: Path) -> Path:
    """Config (Period 2026-10) and two orders; F2, a negative quantity, is an error."""
    wb = openpyxl.Workbook()
    config = wb.active
    config.title = "Config"
    config.append(["Key", "Value"])
    config.append(["Period", "2026-10"])
    orders = wb.create_sheet("Orders")
    orders.append(["Order", "Line", "Date", "Customer", "Product", "Quantity", "Unit Price",
                   "Discount"])
    orders.append(["A-1", 1, date(2026, 10, 3), "Loja A", "SKU-1", -2, 5, 0])
    orders.append(["A-2", 1, date(2026, 10, 4), "Loja B", "SKU-2", 3, 5, 0])
    wb.save(path)
    return path


def fill_of(path: Path, sheet: str, cell: str) -> str | None:
    return openpyxl.load_workbook(path)[sheet][cell].fill.fill_type


def backups(path: Path) -> list[Path]:
    folder = path.parent / BACKUP_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


# --- several steps in one run -------------------------------------------------------------------


def test_three_steps_in_one_run_give_three_chained_entries_and_verify(tmp_path):
    book = orders_book(tmp_path / "orders.xlsx")
    before = sha256(book)
    done = run_cli("check", book, "--json", script=CHECK_CLI)
    assert done.returncode == 1, done.stderr  # validate found the error on Orders F2
    result = json.loads(done.stdout)
    assert [(i["cell"], i["rule"]) for i in result["issues"]] == [("F2", "value.positive")]
    assert result["command"] == "check" and result["period"] == "2026-10"
    assert [s["command"] for s in result["summary"]["steps"]] == ["validate", "rules", "clear"]
    assert [s["audit"]["seq"] for s in result["summary"]["steps"]] == [1, 2, 3]
    assert result["audit"]["seq"] == 3
    assert sorted(result["written"]) == ["Audit Log", "Issues", "Rules"]
    assert len(backups(book)) == 1  # one save

    verified = run_cli("audit", "verify", book, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout) | {"warning": ""} == {
        "ok": True, "command": "audit verify", "workbook": book.name, "entries": 3,
        "first_bad_row": None, "reason": "", "warning": ""}
    assert json.loads(verified.stdout)["warning"] == ""
    shown = json.loads(run_cli("audit", "show", book, "--json").stdout)["entries"]
    assert [(e["seq"], e["action"]) for e in shown] == [(1, "validate"), (2, "rules"), (3, "clear")]
    assert [e["prev_hash"] for e in shown] == [GENESIS, shown[0]["entry_hash"],
                                               shown[1]["entry_hash"]]
    assert {e["input_sha256"] for e in shown} == {before}  # every step read the same file
    assert read_head_record(book).committed == (3, shown[2]["entry_hash"])
    assert read_head_record(book).pending is None
    assert fill_of(book, "Orders", "F2") is None  # the clear step removed validate's mark
    run_steps(FileTarget(book), [VALIDATE])
    assert fill_of(book, "Orders", "F2") == "solid"  # (validate alone leaves it)


def test_a_second_run_continues_the_chain(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    first = run_steps(FileTarget(book), STEPS)
    second = run_steps(FileTarget(book), STEPS)
    assert [r.audit.seq for r in first + second] == [1, 2, 3, 4, 5, 6]  # type: ignore[union-attr]
    log, verdict = verify(FileTarget(book))
    assert (verdict.ok, verdict.entries, verdict.warning) == (True, 6, "")
    assert [e.action for e in log] == ["validate", "rules", "clear"] * 2
    assert all(r.written == second[0].written for r in second)


def test_a_dry_run_of_several_steps_writes_nothing(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    before = sha256(book)
    results = run_steps(FileTarget(book), STEPS, dry_run=True)
    assert [(r.command, r.written, r.audit) for r in results] == [
        ("validate", [], None), ("rules", [], None), ("clear", [], None)]
    assert sha256(book) == before and sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_the_period_given_reaches_the_steps_that_take_it(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    code = cli.main(["validate", str(book), "--period", "2026-11", "--json"])
    assert code == 0
    entry = read_audit_log(FileTarget(book).session(writes=False).__enter__())[-1]
    assert (entry.action, entry.period) == ("validate", "2026-11")


def test_three_steps_on_the_ribbon_are_one_excel_save(tmp_path, monkeypatch):
    monkeypatch.setitem(commands.COMMANDS, "check", Command(
        "check", "three steps", steps=STEPS, ribbon="check"))
    press = ribbon.dispatch_table()["check"]
    book = Book(tmp_path / "live.xlsx", {"Config": [["Key", "Value"], ["Period", "2026-10"]]})
    assert press(book) == ("Back Office", "Check done. No errors found.")
    log = read_audit_log(LiveTarget(book).session(writes=False).__enter__())
    assert [(e.seq, e.action) for e in log] == [(1, "validate"), (2, "rules"), (3, "clear")]
    assert book.saves == 1
    assert read_head_record(Path(book.fullname)).committed == (3, log[2].entry_hash)
    assert ribbon.audit_verify(book) == ("Back Office", "Audit log intact: 3 entries verified.")


# --- one door -----------------------------------------------------------------------------------


def closed(book: Any, ctx: Any, steps: Any) -> None:
    raise UnsafeWrite("period 2026-10 was closed by ana on 2026-11-05; nothing was written.")


@pytest.mark.parametrize("argv", [["validate", "{book}"], ["clear", "{book}"],
                                  ["rules", "--write", "{book}"]])
def test_every_writing_command_passes_the_period_lock(tmp_path, monkeypatch, capsys, argv):
    book = config_book(tmp_path / "book.xlsx")
    before = sha256(book)
    monkeypatch.setattr(runner, "refuse_if_period_closed", closed)
    assert cli.main([a.format(book=book) for a in argv]) == 3
    assert capsys.readouterr().err == ("backoffice: period 2026-10 was closed by ana on "
                                       "2026-11-05; nothing was written.\n")
    assert sha256(book) == before and not head_path(book).exists()


def test_the_ribbon_passes_the_same_period_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "refuse_if_period_closed", closed)
    book = Book(tmp_path / "live.xlsx", {"Config": [["Key", "Value"], ["Period", "2026-10"]]})
    for press in (ribbon.DISPATCH["validate"], ribbon.DISPATCH["clear_marks"]):
        with pytest.raises(UnsafeWrite, match="closed by ana"):
            press(book)
    assert book.saves == 0 and [s.name for s in book.sheets] == ["Config"]
    assert not head_path(Path(book.fullname)).exists()


def test_the_ribbon_buttons_come_from_the_command_table():
    tags = {c.ribbon: name for name, c in commands.COMMANDS.items() if c.ribbon}
    assert tags == {"validate": "validate", "clear_marks": "clear", "doctor": "doctor",
                    "audit_show": "audit show", "audit_verify": "audit verify",
                    "process_payroll": "process payroll", "close": "close",
                    "process_all": "process all", "process_invoices": "process invoices",
                    "process_orders": "process orders", "value_stock": "process stock"}
    assert set(ribbon.DISPATCH) == set(tags) | {"cash_forecast"}  # shows the invoices step's sheet


# --- --period where it does not apply -----------------------------------------------------------


def test_period_on_a_command_that_ignores_it_is_exit_2_in_one_line(tmp_path):
    book = config_book(tmp_path / "book.xlsx")
    before = sha256(book)
    done = run_cli("clear", book, "--period", "2026-10")
    assert done.returncode == 2
    assert done.stderr == ("backoffice: --period does not apply to `backoffice clear` (it does "
                           "not depend on the period); leave it out.\n")
    assert done.stdout == "" and sha256(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


@pytest.mark.parametrize("argv", [
    ["audit", "show", "{book}"], ["audit", "verify", "{book}"], ["rules", "--write", "{book}"],
    ["rules"], ["doctor"], ["demo", "{folder}/demo.xlsx"],
])
def test_period_is_refused_by_every_command_that_ignores_it(tmp_path, capsys, argv):
    book = config_book(tmp_path / "book.xlsx")
    before = sha256(book)
    args = [a.format(book=book, folder=tmp_path) for a in argv]
    assert cli.main([*args, "--period", "2026-10", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    name = " ".join(a for a in argv if not a.startswith(("{", "--")))
    assert (out["ok"], out["command"], out["exit_code"]) == (False, name, 2)
    assert out["error"] == (f"--period does not apply to `backoffice {name}` (it does not depend "
                            "on the period); leave it out.")
    assert sha256(book) == before and sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_bad_period_is_still_exit_2(tmp_path, capsys):
    book = config_book(tmp_path / "book.xlsx")
    assert cli.main(["validate", str(book), "--period", "2026-13"]) == 2
    assert "is not a period like 2026-10" in capsys.readouterr().err


def test_the_parser_is_built_from_the_table(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(commands.COMMANDS, "process all", Command(
        "process all", "run every flow", steps=STEPS, period=True))
    book = config_book(tmp_path / "book.xlsx")
    assert cli.main(["process", "all", str(book), "--period", "2026-10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["command"], out["audit"]["seq"]) == ("process all", 3)
    assert [s["command"] for s in out["summary"]["steps"]] == ["validate", "rules", "clear"]


def test_the_ribbon_survives_a_failed_excel_save_and_verifies_like_the_cli(tmp_path, monkeypatch):
    book = Book(tmp_path / "live.xlsx", {"Config": [["Key", "Value"], ["Period", "2026-10"]]})
    ribbon.DISPATCH["validate"](book)
    path = Path(book.fullname)
    head_before = head_path(path).read_bytes()

    def excel_cannot_save() -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(book, "save", excel_cannot_save)
    with pytest.raises(OSError):
        ribbon.DISPATCH["clear_marks"](book)
    assert head_path(path).read_bytes() == head_before  # the pending head was dropped
    assert read_head_record(path).pending is None
    monkeypatch.undo()
    # the live book holds the unsaved entry 2; Excel's next save completes the run
    assert ribbon.DISPATCH["validate"](book)[1] == ("No problems found. An entry was added to "
                                                    "the Audit Log.")
    log, verdict = verify(LiveTarget(book))
    assert [e.action for e in log] == ["validate", "clear", "validate"] and verdict.ok
    assert read_head_record(path).committed == (3, log[2].entry_hash)
    assert ribbon.audit_verify(book) == ("Back Office", "Audit log intact: 3 entries verified.")

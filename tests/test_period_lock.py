"""The period lock end to end, through the real `backoffice` command in a subprocess: close,
refusals (exit 3 naming who and when), reopen with its reason (exit 2 without), the lock read from
the audit chain (typing over the Periods sheet unlocks nothing), --dry-run writing nothing, and a
blocked close (exit 1, the period stays open)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
from rulebook import clean_sheets

ROOT = Path(__file__).resolve().parents[1]


def book(path: Path, sheets=None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (sheets or clean_sheets()).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([datetime(v.year, v.month, v.day) if type(v) is date else v for v in row])
    wb.save(path)
    return path


def cli(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_close_locks_the_period_and_reopen_unlocks_it(tmp_path):
    path = book(tmp_path / "book.xlsx")
    done = cli("close", path, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"]["closed"] is True and out["audit"]["seq"] == 6
    assert out["written"] == ["Issues", "Audit Log", "Order Results", "Stock Ledger",
                              "Stock Valuation", "Reorder", "AR Aging", "AP Aging", "Invoice Status",
                              "Cash Forecast", "Payroll Register", "Payslips", "Journal",
                              "Trial Balance", "Close Report", "Periods"]
    wb = openpyxl.load_workbook(path)
    periods = [list(r) for r in wb["Periods"].iter_rows(values_only=True)]
    assert periods[1][:2] == ["2026-10", "Closed"] and periods[1][4] == out["audit"]["entry_hash"]
    assert wb["Journal"]["G2"].hyperlink is not None

    before = sha(path)
    for argv in (("close", path), ("validate", path), ("close", path, "--period", "2026-10")):
        refused = cli(*argv)
        assert refused.returncode == 3
        assert "period 2026-10 was closed by" in refused.stderr and " UTC" in refused.stderr
    assert sha(path) == before

    # typing "Reopened" over the Periods sheet unlocks nothing: the lock is the audit chain's
    wb["Periods"]["B2"] = "Reopened"
    wb.save(path)
    assert cli("close", path).returncode == 3

    assert cli("reopen", path).returncode == 2  # --reason is required
    reopened = cli("reopen", path, "--reason", "late supplier bill", "--json")
    assert reopened.returncode == 0, reopened.stderr
    assert json.loads(reopened.stdout)["summary"]["reason"] == "late supplier bill"
    assert cli("reopen", path, "--reason", "again").returncode == 2  # not closed any more
    assert cli("close", path).returncode == 0
    log = [r for r in openpyxl.load_workbook(path)["Audit Log"].iter_rows(values_only=True)][1:]
    assert [r[4] for r in log] == ["validate", "process orders", "process stock", "process invoices",
                              "process payroll", "close", "reopen",
                              "validate", "process orders", "process stock", "process invoices",
                              "process payroll", "close"]
    assert log[6][6].startswith("reopened: late supplier bill (closed by ")
    assert cli("audit", "verify", path).returncode == 0


def test_a_dry_run_close_writes_nothing_and_locks_nothing(tmp_path):
    path = book(tmp_path / "book.xlsx")
    before = sha(path)
    done = cli("close", path, "--dry-run", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["written"] == []
    assert sha(path) == before
    assert cli("close", path).returncode == 0


def test_an_error_blocks_the_close_and_the_period_stays_open(tmp_path):
    sheets = clean_sheets()
    sheets["Invoices"][2][5] = "abc"  # INV-2's Amount cannot be read
    path = book(tmp_path / "book.xlsx", sheets)
    done = cli("close", path, "--json")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["summary"]["closed"] is False
    assert out["summary"]["checklist"][0] == {"step": "Validation clean", "status": "fail",
                                              "detail": "1 errors, 1 warnings"}
    report = openpyxl.load_workbook(path)["Close Report"]
    cells = {c.value: c for row in report.iter_rows() for c in row if c.value is not None}
    assert "Blocked" in cells and cells["F3"].hyperlink.location == "Invoices!F3"
    assert cli("validate", path).returncode == 1  # not locked: validate still runs


def test_a_tampered_audit_chain_refuses_the_run(tmp_path):
    path = book(tmp_path / "book.xlsx")
    assert cli("close", path).returncode == 0
    wb = openpyxl.load_workbook(path)
    wb["Audit Log"]["E7"] = "clos"  # the close row's action edited by hand
    wb.save(path)
    refused = cli("validate", path)
    assert refused.returncode == 3 and "does not verify" in refused.stderr

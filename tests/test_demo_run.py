"""`backoffice demo` end to end (the real CLI in a subprocess): the demo book validated and
processed with its planted problems shown, and the corrected copy closed (the demo ends with a
successful close, its checklist printed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from ooxml_audit import describe, new_findings

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    path = tmp_path_factory.mktemp("demo") / "demo" / "backoffice-demo.xlsx"
    return path, cli("demo", path)


def test_the_demo_ends_with_a_successful_close(demo):
    path, done = demo
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Month-end close 2026-10: CLOSED" in lines
    assert "  PASS  Validation clean: 0 errors, 4 warnings" in lines
    assert "  PASS  Trial balance debits = credits: debits 1,623,369.27 = credits 1,623,369.27" \
        in lines
    assert "  corrected Orders!F190: quantity typed as the number 1" in lines
    closed = openpyxl.load_workbook(path.with_name("backoffice-demo-closed.xlsx"))
    assert [c.value for c in closed["Periods"][2]][:2] == ["2026-10", "Closed"]
    assert closed["Orders"]["F190"].value == 1 and closed["Payroll"]["I19"].value == "666.971.697-45"
    actions = [r[4] for r in closed["Audit Log"].iter_rows(min_row=2, values_only=True)]
    assert actions == ["validate", "process orders", "process stock", "process invoices",
                       "process payroll", "close"]
    assert {"Journal", "Trial Balance", "Close Report"} <= set(closed.sheetnames)


def test_the_demo_book_shows_the_planted_problems_and_is_processed(demo):
    path, _ = demo
    book = openpyxl.load_workbook(path)
    cells = {f"{row[0]}!{row[1]}" for row in book["Issues"].iter_rows(min_row=2, values_only=True)}
    assert {"Orders!F190", "Orders!C4", "Payroll!I19", "Payments!E46", "Invoices!A95",
            "Payroll!J23"} <= cells  # J23: process payroll's own warning (no bank account)
    assert book["Orders"]["F190"].comment is not None  # the README's smoke test looks at it
    assert "Payroll Register" in book.sheetnames and "Close Report" not in book.sheetnames
    actions = [r[4] for r in book["Audit Log"].iter_rows(min_row=2, values_only=True)]
    assert actions == ["validate", "process orders", "process stock", "process invoices",
                       "process payroll"]


def test_the_demo_json_and_no_overwrite_without_force(demo):
    path, _ = demo
    refused = cli("demo", path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    again = cli("demo", path, "--force", "--json")
    assert again.returncode == 0, again.stderr
    out = json.loads(again.stdout)
    assert out["command"] == "demo" and out["ok"] is False  # the planted errors
    assert {(i["sheet"], i["cell"]) for i in out["issues"] if i["severity"] == "error"} == {
        ("Orders", "F190"), ("Payroll", "I19"), ("Invoices", "A95")}
    closed = out["summary"]["closed_book"]
    assert closed["closed"] is True and closed["workbook"] == "backoffice-demo-closed.xlsx"
    assert [c["status"] for c in closed["checklist"]] == ["pass", "pass", "pass", "n/a", "n/a",
                                                           "n/a", "pass"]


def test_excel_would_open_the_closed_demo_book(demo):
    path, _ = demo
    found = new_findings(path.with_name("backoffice-demo-closed.xlsx"))
    assert found == [], describe(found)

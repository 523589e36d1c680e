"""Every workbook the tool writes opens in a real spreadsheet (LibreOffice headless) and reads
back the same values: numbers equal, text equal, dates equal.

Each case converts one file with LibreOffice (~2 s) and compares, cell by cell, what openpyxl
reads from LibreOffice's copy with what it reads from the tool's own file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from workbooks.sheets.audit import AUDIT_SHEET, head_path
from workbooks.sheets.issues import ISSUES_SHEET

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path (pytest rootdir-less run)
    import libreoffice  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
STATE_SHEET = "_BackOffice"
Cells = dict[tuple[int, int], Any]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`backoffice ...` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def cells(path: Path, sheet: str) -> Cells:
    """Every non-empty cell value of a sheet, as openpyxl reads it (cached values)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[sheet]
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row
            if c.value is not None and c.value != ""}


def assert_same_values(ours: Path, theirs: Path, sheet: str) -> int:
    """The sheet holds the same values in both files; returns how many cells were compared."""
    mine, read_back = cells(ours, sheet), cells(theirs, sheet)
    assert mine, f"{sheet} is empty in {ours.name}"
    missing = sorted(set(mine) - set(read_back))
    extra = sorted(set(read_back) - set(mine))
    assert not missing and not extra, f"{sheet}: missing {missing[:5]}, extra {extra[:5]}"
    for key, value in mine.items():
        other = read_back[key]
        where = f"{sheet}!{openpyxl.utils.get_column_letter(key[1])}{key[0]}"
        if isinstance(value, bool) or isinstance(other, bool):
            assert (type(value), value) == (type(other), other), where
        elif isinstance(value, int | float):
            assert isinstance(other, int | float), (where, value, other)
            assert other == value, (where, value, other)
        elif isinstance(value, datetime | date):
            assert isinstance(other, datetime | date), (where, value, other)
            assert other == value, (where, value, other)
        else:
            assert isinstance(value, str) and isinstance(other, str), (where, value, other)
            assert other == value, (where, value, other)
    return len(mine)


def convert(path: Path, outdir: Path) -> Path:
    converted = libreoffice.convert(path, outdir)
    done = libreoffice.CONVERSIONS[-1]
    print(f"\nLibreOffice converted {path.name} in {done.seconds:.1f} s")
    assert "Error" not in done.stderr, done.stderr
    return converted


def small_book(path: Path, *, user_issues: bool = False) -> Path:
    """Config + a few orders (one unreadable quantity, pt-BR text, accents, dates)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Config"
    ws.append(["Key", "Value"])
    ws.append(["Period", "2026-10"])
    orders = wb.create_sheet("Orders")
    orders.append(["Order ID", "Order Date", "Customer", "SKU", "Quantity", "Unit Price"])
    orders.append(["PO-1", date(2026, 10, 5), "Padaria São João", "SKU-1", 3, 12.5])
    orders.append(["PO-2", date(2026, 10, 6), "Ana & Cia — Ltda", "SKU-2", "N/A", "1.234,56"])
    orders.append(["PO-3", date(2026, 10, 7), "=não é fórmula", "SKU-3", 2, 5])
    orders["C4"].data_type = "s"
    if user_issues:
        notes = wb.create_sheet(ISSUES_SHEET)
        notes.append(["My own notes, not Back Office's"])
    wb.save(path)
    return path


def test_libreoffice_is_installed() -> None:
    version = libreoffice.version()
    print(f"\n{version}")
    assert version.startswith("LibreOffice ")


def test_demo_book_opens_with_the_same_values(tmp_path: Path) -> None:
    book = tmp_path / "demo" / "backoffice-demo.xlsx"
    done = cli("demo", book, "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    converted = convert(book, tmp_path / "lo")
    theirs = openpyxl.load_workbook(converted, data_only=True)
    assert theirs.sheetnames == openpyxl.load_workbook(book).sheetnames
    assert assert_same_values(book, converted, ISSUES_SHEET) > 8
    # header + one entry per step of the demo run (validate, then each `process all` step)
    assert assert_same_values(book, converted, AUDIT_SHEET) == 6 * 10
    assert_same_values(book, converted, STATE_SHEET)

    # A LibreOffice save is not tampering: the chain still verifies and the tool appends to it.
    shutil.copy(head_path(book), head_path(converted))
    verified = cli("audit", "verify", converted, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["entries"] == 5  # validate, then the 4 `process all` steps
    again = cli("validate", converted, "--json")
    assert again.returncode in (0, 1), again.stdout + again.stderr
    assert json.loads(again.stdout)["audit"]["seq"] == 6
    verified = cli("audit", "verify", converted, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_results_sidecar_opens_with_the_same_values(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    book = small_book(tmp_path / "book" / "orders.xlsx", user_issues=True)
    before = book.read_bytes()
    done = cli("validate", book)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "orders.results.xlsx" in done.stderr
    assert book.read_bytes() == before  # the user's book is untouched
    sidecar = book.with_name("orders.results.xlsx")
    assert sidecar.is_file()
    converted = convert(sidecar, tmp_path / "lo")
    names = openpyxl.load_workbook(sidecar).sheetnames
    assert openpyxl.load_workbook(converted, data_only=True).sheetnames == names
    assert ISSUES_SHEET in names and AUDIT_SHEET in names
    for sheet in names:
        assert_same_values(sidecar, converted, sheet)
    issues = cells(converted, ISSUES_SHEET)
    assert any("N/A" in str(v) for v in issues.values())


def test_book_after_two_validate_runs_opens_with_the_same_values(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    book = small_book(tmp_path / "book" / "orders.xlsx")
    for seq in (1, 2):
        done = cli("validate", book, "--json")
        assert done.returncode == 1, done.stdout + done.stderr  # the N/A quantity
        assert json.loads(done.stdout)["audit"]["seq"] == seq
    converted = convert(book, tmp_path / "lo")
    names = openpyxl.load_workbook(book).sheetnames
    assert openpyxl.load_workbook(converted, data_only=True).sheetnames == names
    for sheet in names:  # input sheets too: the tool copied them, they must still read the same
        assert_same_values(book, converted, sheet)
    audit = cells(converted, AUDIT_SHEET)
    assert [audit[(r, 1)] for r in (2, 3)] == [1, 2]
    assert audit[(3, 9)] == audit[(2, 10)]  # chained, as LibreOffice shows it
    orders = cells(converted, "Orders")
    assert orders[(2, 2)] == datetime(2026, 10, 5)
    assert orders[(2, 3)] == "Padaria São João"
    assert orders[(4, 3)] == "=não é fórmula"

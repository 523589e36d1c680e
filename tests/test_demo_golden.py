"""Golden files: what reading and validating the demo book gives, cell by cell.

The demo book is built deterministically (seed 2026); every value read (with its source cell)
and every issue is compared with tests/golden/. After an intended change, regenerate with
BACKOFFICE_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from addin.demo.book import build_demo_workbook
from engine.checker import display
from engine.validation import validate
from workbooks.reading import WorkbookData, read_workbook
from workbooks.xlsx_file import FileWorkbook

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BACKOFFICE_UPDATE_GOLDEN"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> WorkbookData:
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    build_demo_workbook(path)
    return read_workbook(FileWorkbook.open(path))


def _table_text(data: WorkbookData, sheet: str) -> str:
    table = data.tables[sheet]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = list(table.frame.columns)
    writer.writerow(["cell row", *[f"{c} ({table.letters[c]})" for c in columns]])
    for row in table.frame.index:
        writer.writerow([row, *[display(table.frame.at[row, c]) for c in columns]])
    return out.getvalue()


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with BACKOFFICE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


@pytest.mark.parametrize("sheet", ["Config", "Orders", "Invoices", "Payments", "Payroll", "Stock",
                                   "Stock Movements", "FX Rates"])
def test_reading_the_demo_book_matches_the_golden_file(demo, sheet):
    _compare(f"demo-{sheet.lower().replace(' ', '-')}.csv", _table_text(demo, sheet))


def test_validating_the_demo_book_matches_the_golden_issues(demo):
    issues = demo.issues + validate(demo.tables, demo.config, demo.config_cells, demo.locale)
    text = json.dumps([i.as_dict() for i in issues], indent=1, ensure_ascii=False) + "\n"
    _compare("demo-issues.json", text)
    assert {(i.sheet, i.cell, i.rule) for i in issues} == {
        ("Orders", "F190", "read.unreadable"), ("Orders", "C4", "date.outside_period"),
        ("Payroll", "I19", "taxid.invalid"), ("Payments", "E46", "payment.over_outstanding"),
        ("Invoices", "A95", "ap.duplicate_bill")}

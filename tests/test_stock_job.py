"""`process orders` and `process stock` on real .xlsx files: the CLI in a subprocess (exit codes,
--json, --dry-run, --period), hand-checked cells and links on the small clean book
(tests/rulebook.py), one engine pass per run, the file / memory / live-Excel adapters agreeing,
golden files of the demo book's outputs, LibreOffice recalculating the totals to our cached
values, and openxml-audit finding nothing Excel would repair.

The clean book's figures, by hand (moving average):
  SKU-1: opening 100 @ 5.00 = 500.00; IN 50 @ 5.50 = 275.00 -> 150 worth 775.00; SO-1001/1 takes
         10 -> 51.67; SO-1002/1 takes 3 of 140 (723.33) -> 15.50; ADJ -1 of 137 (707.83) -> 5.17:
         136 units worth 702.66, COGS 67.17, unit cost 5.1666 (702.66 / 136 = 5.16661...)
  SKU-2: opening 20 @ 40 = 800.00; SO-1001/2 takes 4 -> 160.00; OUT 2 -> 80.00: 14 worth 560.00
  SKU-3: nothing on hand until the IN of 10-31 (20 @ 3.90 = 78.00): SO-1003/1 (7, 10-20) is
         backordered
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from fake_excel import Book
from ooxml_audit import describe, findings, new_findings
from reports import chart_kinds, formula_cells
from rulebook import clean_sheets, set_cell

from addin import jobs
from addin.commands import ORDERS, STOCK
from addin.demo.book import build_demo_workbook
from addin.runner import FileTarget, LiveTarget, run_steps
from workbooks.live_excel import LiveWorkbook
from workbooks.memory import MemoryWorkbook
from workbooks.model import Formula
from workbooks.xlsx_file import FileWorkbook

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BACKOFFICE_UPDATE_GOLDEN"))
OUTPUTS = ("Order Results", "Stock Ledger", "Stock Valuation", "Reorder")
D = Decimal


def write_xlsx(sheets: dict, path: Path) -> Path:
    """The sheets as a plain .xlsx (dates as Excel dates)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([datetime(v.year, v.month, v.day) if type(v) is date else v for v in row])
    wb.save(path)
    return path


def clean_book(path: Path, **cells: object) -> Path:
    """The rule book's clean workbook; `cells` as Sheet__A1=value edits (spaces as _)."""
    sheets = clean_sheets()
    for where, value in cells.items():
        sheet, cell = where.split("__")
        set_cell(sheets, sheet.replace("_", " "), cell, value)
    return write_xlsx(sheets, path)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKOFFICE_")}
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def values(path: Path, sheet: str) -> list[tuple]:
    """A sheet's rows as openpyxl reads the cached values."""
    return list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))


def grid_text(book, sheet: str) -> list[list[str | None]]:
    """An output sheet read back through an adapter, as text (the same form for every adapter)."""
    return book.grid(sheet).rows()


# --------------------------------------------------------------------------- the CLI


def test_process_orders_writes_order_results_with_links_and_totals(tmp_path):
    book = clean_book(tmp_path / "book.xlsx")
    done = run_cli("process", "orders", book, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["ok"], out["command"], out["period"], out["issues"]) == \
        (True, "process orders", "2026-10", [])
    assert out["summary"] == {"lines": 4, "fulfilled": 3, "partial": 0, "backordered": 1,
                              "rejected": 0, "total_functional": "790.93", "currency": "BRL",
                              "backordered_qty": "7"}
    assert out["written"] == ["Order Results", "Issues", "Audit Log"]
    assert out["audit"]["seq"] == 1
    rows = values(book, "Order Results")
    assert rows[0] == ("Order ID", "Line", "SKU", "Quantity", "Net", "Tax", "Total", "Currency",
                       "Total (functional)", "Allocated", "Backordered", "Status")
    assert rows[1:] == [
        ("SO-1001", 1, "SKU-1", 10, 125, 12.5, 137.5, "BRL", 137.5, 10, 0, "Fulfilled"),
        ("SO-1001", 2, "SKU-2", 4, 379.62, 37.96, 417.58, "BRL", 417.58, 4, 0, "Fulfilled"),
        ("SO-1002", 1, "SKU-1", 3, 37.5, 0, 37.5, "USD", 202.5, 3, 0, "Fulfilled"),  # x 5.40
        ("SO-1003", 1, "sku-3", 7, 28.26, 5.09, 33.35, "BRL", 33.35, 0, 7, "Backordered"),
        # BRL and USD lines: only the functional total adds up
        ("Total", None, None, None, None, None, None, None, 790.93, None, None, None)]
    ws = openpyxl.load_workbook(book)["Order Results"]
    assert ws["I6"].value == "=SUBTOTAL(109,BO_OrderResults[Total (functional)])"
    assert [ws[f"A{r}"].hyperlink.location for r in range(2, 6)] == \
        ["Orders!A2", "Orders!A3", "Orders!A4", "Orders!A5"]
    assert ws["I2"].number_format == '"R$" #,##0.00' and ws["E2"].number_format == "#,##0.00"
    log = values(book, "Audit Log")
    assert log[1][4:6] == ("process orders", "2026-10")
    assert log[1][6] == ("4 order lines: 3 fulfilled, 0 partial, 1 backordered, 0 rejected; "
                         "total 790.93 BRL")


def test_process_stock_writes_ledger_valuation_chart_and_reorder(tmp_path):
    # SKU-3 gets a Reorder Point of 15: 20 closing - 7 backordered = 13 <= 15 -> buy 2
    book = clean_book(tmp_path / "book.xlsx", Stock__E4=15)
    done = run_cli("process", "stock", book, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"] == {"skus": 3, "ledger_rows": 9, "method": "moving_average",
                              "closing_value": "1340.66", "cogs": "227.17", "reorder": 1}
    assert out["written"] == ["Stock Ledger", "Stock Valuation", "Reorder", "Issues", "Audit Log"]
    valuation = values(book, "Stock Valuation")
    assert valuation[:5] == [
        ("SKU", "Opening Qty", "Opening Value", "Received Qty", "Issued Qty", "Closing Qty",
         "Closing Value", "Unit Cost", "COGS", "Method"),
        ("SKU-1", 100, 500, 50, 14, 136, 702.66, 5.1666, 67.17, "Moving average"),
        ("SKU-2", 20, 800, 0, 6, 14, 560, 40, 160, "Moving average"),
        ("SKU-3", 0, 0, 20, 0, 20, 78, 3.9, 0, "Moving average"),
        ("Total", None, 1300, None, None, None, 1340.66, None, 227.17, None)]
    assert valuation[6:] == [("The 3 largest stock values",) + (None,) * 9,
                             ("SKU", "Closing Value") + (None,) * 8,
                             ("SKU-1", 702.66) + (None,) * 8, ("SKU-2", 560) + (None,) * 8,
                             ("SKU-3", 78) + (None,) * 8]
    assert chart_kinds(book) == ["barChart/bar"]
    assert values(book, "Reorder") == [
        ("SKU", "Closing Qty", "Backordered", "Reorder Point", "Suggested Qty"),
        ("SKU-3", 20, 7, 15, 2)]
    ledger = values(book, "Stock Ledger")
    assert [r for r in ledger if r[1] == "SKU-1"] == [
        (None, "SKU-1", "Opening", None, 100, 0, 100, 5, 500, 0, 500),
        (datetime(2026, 10, 2), "SKU-1", "IN", "PO-1", 50, 0, 150, 5.5, 275, 0, 775),
        # an issue's Unit Cost is what it posted per unit: 51.67 / 10, 15.50 / 3, 5.17 / 1
        (datetime(2026, 10, 3), "SKU-1", "Order", "SO-1001/1", 0, 10, 140, 5.167, 0, 51.67, 723.33),
        (datetime(2026, 10, 7), "SKU-1", "Order", "SO-1002/1", 0, 3, 137, 5.1667, 0, 15.5, 707.83),
        (datetime(2026, 10, 31), "SKU-1", "ADJ", "Count", 0, 1, 136, 5.17, 0, 5.17, 702.66)]
    # openings count as value in: 500 + 800 + 275 + 78; out: 72.34 (SKU-1) + 240 (SKU-2)
    assert ledger[-1] == ("Total", None, None, None, None, None, None, None, 1653, 312.34, None)
    ws = openpyxl.load_workbook(book)["Stock Ledger"]
    links = {c.coordinate: c.hyperlink.location for row in ws.iter_rows() for c in row
             if c.hyperlink}
    # the opening links the Stock row's SKU, a movement its Reference, an order its Order ID
    assert (links["B2"], links["D3"], links["D4"]) == \
        ("Stock!A2", "'Stock Movements'!F2", "Orders!A2")
    assert ws["H3"].number_format == '"R$" #,##0.00'
    reorder = openpyxl.load_workbook(book)["Reorder"]
    assert reorder["A2"].hyperlink.location == "Stock!A4"


def test_errors_found_by_the_flow_exit_1_and_go_to_the_issues_sheet(tmp_path):
    book = clean_book(tmp_path / "book.xlsx", Stock_Movements__D3=30)  # 30 out of 16 on hand
    done = run_cli("process", "stock", book, "--json")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert [(i["rule"], i["sheet"], i["cell"], i["value"]) for i in out["issues"]] == \
        [("stock.negative", "Stock Movements", "D3", "30")]
    assert out["issues"][0]["message"].startswith("Quantity 30 is more than the 16 units of SKU-2")
    issues = values(book, "Issues")
    assert [(r[0], r[1], r[4]) for r in issues[1:]] == [("Stock Movements", "D3", "stock.negative")]
    marked = openpyxl.load_workbook(book)["Stock Movements"]["D3"]
    assert marked.comment is not None and "stock.negative" not in marked.comment.text
    assert marked.comment.text.startswith("ERROR: Quantity 30")
    # not posted: SKU-2 keeps its 16 units
    assert [r[5] for r in values(book, "Stock Valuation")[1:4] if r[0] == "SKU-2"] == [16]


def test_dry_run_writes_nothing_and_a_bad_period_is_exit_2(tmp_path):
    book = clean_book(tmp_path / "book.xlsx")
    before = sha256(book)
    for command in ("orders", "stock"):
        done = run_cli("process", command, book, "--dry-run", "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert (out["written"], out["audit"]) == ([], None) and out["summary"]
    bad = run_cli("process", "orders", book, "--period", "2026-13")
    assert bad.returncode == 2 and "2026-13" in bad.stderr
    assert sha256(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_the_period_asked_for_is_the_one_checked_and_recorded(tmp_path):
    book = clean_book(tmp_path / "book.xlsx")
    done = run_cli("process", "orders", book, "--period", "2026-11", "--json")
    assert done.returncode == 0, done.stderr  # out-of-period orders are warnings
    out = json.loads(done.stdout)
    assert out["period"] == "2026-11"
    assert {(i["rule"], i["cell"]) for i in out["issues"]} == \
        {("date.outside_period", f"C{r}") for r in range(2, 6)}
    assert values(book, "Audit Log")[1][5] == "2026-11"


def test_a_book_without_the_flows_sheet_is_told_so(tmp_path):
    book = write_xlsx({"Config": clean_sheets()["Config"]}, tmp_path / "book.xlsx")
    for command, sheet, columns in (("orders", "Orders", "Order ID, Order Date, Customer, SKU, "
                                     "Quantity, Unit Price"), ("stock", "Stock", "SKU")):
        done = run_cli("process", command, book, "--json")
        assert done.returncode == 1, done.stderr
        (issue,) = json.loads(done.stdout)["issues"]
        assert (issue["rule"], issue["sheet"], issue["message"]) == \
            ("sheet.missing", sheet, f'The workbook has no "{sheet}" sheet; add it ({columns}).')
    assert values(book, "Stock Valuation") == [(
        "SKU", "Opening Qty", "Opening Value", "Received Qty", "Issued Qty", "Closing Qty",
        "Closing Value", "Unit Cost", "COGS", "Method"), (None,) * 10,  # a Table keeps one row
        ("Total", None, 0, None, None, None, 0, None, 0, None)]


# --------------------------------------------------------------------------- one run, one pass


def test_both_steps_in_one_run_share_one_engine_pass_and_list_each_issue_once(tmp_path,
                                                                             monkeypatch):
    book = clean_book(tmp_path / "book.xlsx", Orders__F3="N/A", Stock_Movements__D3=30)
    calls = []
    real = jobs.process_stock
    monkeypatch.setattr(jobs, "process_stock", lambda *a: calls.append(1) or real(*a))
    orders, stock = run_steps(FileTarget(book), [ORDERS, STOCK])
    assert len(calls) == 1
    assert [(i.rule, i.cell) for i in orders.issues] == [("read.unreadable", "F3")]
    assert [(i.rule, i.cell) for i in stock.issues] == [("stock.negative", "D3")]
    assert (orders.audit.seq, stock.audit.seq) == (1, 2)
    # the Issues sheet holds what the run reported: validation's and the flow's
    assert [(r[1], r[4]) for r in values(book, "Issues")[1:]] == \
        [("F3", "read.unreadable"), ("D3", "stock.negative")]
    assert [r[11] for r in values(book, "Order Results")[1:5]] == \
        ["Fulfilled", "Rejected", "Fulfilled", "Backordered"]


# --------------------------------------------------------------------------- adapters


def _run(book, target=None) -> None:
    ctx = jobs.Context("ana", "pc-1", datetime(2026, 11, 2, tzinfo=UTC))
    if target is not None:
        run_steps(target, [ORDERS, STOCK])
        return
    jobs.orders_job(book, ctx)
    jobs.stock_job(book, ctx)
    book.save()


def test_file_memory_and_live_excel_give_the_same_cells(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)  # heads beside the books
    sheets = clean_sheets()
    set_cell(sheets, "Stock", "E4", 15)
    path = write_xlsx(sheets, tmp_path / "book.xlsx")
    run_steps(FileTarget(path), [ORDERS, STOCK])
    memory = MemoryWorkbook("book.xlsx", clean_sheets())
    set_cell(memory.sheets, "Stock", "E4", 15)
    _run(memory)
    live = Book(tmp_path / "live.xlsx", sheets)
    _run(None, LiveTarget(live))
    file_book, live_book = FileWorkbook.open(path), LiveWorkbook(live)
    for sheet in OUTPUTS:
        expected = grid_text(memory, sheet)
        assert len(expected) > 1
        assert grid_text(file_book, sheet) == expected, sheet
        # Excel computes the live book's formulas (the fake does not): the same formulas there
        formulas = {ref: cell for ref, cell in memory.output_cells(sheet).items()
                    if isinstance(cell.value, Formula)}
        for cell in formulas.values():
            expected[cell.row - 1][cell.col - 1] = None
        assert grid_text(live_book, sheet) == expected, sheet
        assert {ref: live.sheets[sheet][ref].formula for ref in formulas} == \
            {ref: "=" + cell.value.body for ref, cell in formulas.items()}
    assert len(memory.output_cells("Order Results")) > 50


# --------------------------------------------------------------------------- the demo book


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, object]:
    """The demo book after `process orders` and `process stock`, and the openxml-audit findings
    of the book as built (before the run)."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    build_demo_workbook(path)
    before = findings(path)
    run_steps(FileTarget(path), [ORDERS, STOCK])
    return path, before


@pytest.fixture
def demo(demo_run) -> Path:
    return demo_run[0]


def _csv(rows: list[list[str | None]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["" if v is None else v for v in r]
                                                    for r in rows])
    return out.getvalue()


@pytest.mark.parametrize("sheet", OUTPUTS)
def test_the_demo_books_outputs_match_the_golden_files(demo, sheet):
    text = _csv(grid_text(FileWorkbook.open(demo), sheet))
    path = GOLDEN / f"demo-{sheet.lower().replace(' ', '-')}.csv"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"


def test_the_demo_shows_backorders_and_a_reorder_list(demo):
    statuses = [r[11] for r in values(demo, "Order Results")[1:-1]]
    assert statuses.count("Backordered") >= 5 and statuses.count("Partial") >= 1
    assert statuses.count("Rejected") == 1  # the planted unreadable Quantity
    assert len(values(demo, "Reorder")) - 1 >= 5
    assert chart_kinds(demo) == ["barChart/bar"]


def test_excel_would_open_the_demo_book_without_a_repair(demo_run):
    path, before = demo_run
    found = new_findings(path, before)
    assert found == [], describe(found)


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_totals_to_our_values(tmp_path):
    (tmp_path / "in").mkdir()  # LibreOffice writes into another folder than the source's
    book = clean_book(tmp_path / "in" / "book.xlsx")
    run_steps(FileTarget(book), [ORDERS, STOCK])
    ours = {s: formula_cells(book, s) for s in ("Order Results", "Stock Ledger", "Stock Valuation")}
    assert sum(len(cells) for cells in ours.values()) == 6
    converted = libreoffice.convert(book, tmp_path / "out")
    recalculated = openpyxl.load_workbook(converted, data_only=True)
    assert {(s, ref): (cached, recalculated[s][ref].value) for s, cells in ours.items()
            for ref, (_f, cached) in cells.items() if recalculated[s][ref].value != cached} == {}

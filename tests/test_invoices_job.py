"""`backoffice process invoices`: AR Aging, AP Aging, Invoice Status and Cash Forecast written
into a real .xlsx by the real command, hand-checked figures, live formulas cached exactly
(LibreOffice recalculates them to the same values), golden files of the demo book's outputs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ooxml_audit import describe, findings, new_findings
from reports import formula_cells

from addin.demo.book import build_demo_workbook
from addin.jobs import Context, invoices_job, run_on_file
from workbooks.memory import MemoryWorkbook
from workbooks.xlsx_file import FileWorkbook

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BACKOFFICE_UPDATE_GOLDEN"))
OUTPUTS = ("AR Aging", "AP Aging", "Invoice Status", "Cash Forecast")
D = date

INV_HEAD = ["Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Currency"]
SHEETS: dict[str, list[list[Any]]] = {
    "Config": [["Key", "Value"], ["Period", "2026-10"], ["Functional Currency", "BRL"]],
    "Invoices": [
        INV_HEAD,
        ["A-1", "AR", "Acme", D(2026, 9, 1), D(2026, 10, 1), 1000, "BRL"],    # 600 left, 30 days
        ["A-2", "AR", "Acme", D(2026, 10, 10), D(2026, 11, 9), 250.5, None],  # current, week 2
        ["A-3", "AR", "Beta", D(2026, 6, 1), D(2026, 6, 15), 300, "BRL"],     # 138 days: 120+
        ["U-1", "AR", "Gamma", D(2026, 10, 1), D(2026, 11, 30), 100, "USD"],  # 545.00 at 5.45
        ["B-1", "AP", "Supplier", D(2026, 10, 5), D(2026, 10, 20), 800, "BRL"],
        ["B-2", "AP", "Supplier", D(2026, 10, 20), D(2026, 12, 4), 2000, "BRL"],  # week 5
        ["A-4", "AR", "Beta", D(2026, 9, 10), D(2026, 10, 10), 200, "BRL"],   # paid 250: credit
        ["A-5", "AR", "Acme", D(2026, 11, 3), D(2026, 12, 3), 999, "BRL"],    # after the as-of day
    ],
    "Payments": [
        ["Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"],
        [D(2026, 10, 5), "AR", "Acme", "A-1", 400, None],
        [D(2026, 10, 12), "AR", "Beta", "A-4", 250, None],
    ],
    "FX Rates": [["Currency", "Date", "Rate"], ["USD", D(2026, 10, 1), 5.40],
                 ["USD", D(2026, 10, 15), 5.45]],
}


def make_book(path: Path, sheets: dict[str, list[list[Any]]] = SHEETS) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`backoffice ...` as a real subprocess (this checkout's code)."""
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def cli_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    done = cli(*args, "--json")
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def values(path: Path, sheet: str) -> dict[str, Any]:
    """{ref: (formula or value, cached value)} of every non-empty cell of a sheet."""
    formulas = openpyxl.load_workbook(path)[sheet]
    cached = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {c.coordinate: (c.value, cached[c.coordinate].value)
            for row in formulas.iter_rows() for c in row if c.value is not None}


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = make_book(tmp_path_factory.mktemp("book") / "book.xlsx")
    code, out = cli_json("process", "invoices", path)
    assert code == 0, out
    return path, out


def test_the_command_reports_the_figures_and_one_audit_entry(processed):
    _path, out = processed
    assert out["command"] == "process invoices" and out["period"] == "2026-10" and out["ok"]
    assert out["written"] == ["AR Aging", "AP Aging", "Invoice Status", "Cash Forecast", "Issues",
                              "Audit Log"]
    assert out["audit"]["seq"] == 1
    figures = out["summary"]["invoices"]
    assert figures == {"as_of": "2026-10-31", "invoices": 7, "open": 7, "credits": 1,
                       "outstanding": {"AR": "1645.50", "AP": "2800.00"}, "missing_rates": [],
                       "cumulative_13_weeks": "-1104.50"}
    assert [(i["rule"], i["sheet"], i["cell"]) for i in out["issues"]] == [
        ("aging.credit_balance", "Invoices", "F8"), ("payment.over_outstanding", "Payments", "E3")]


def test_ar_aging_per_party_with_live_totals_cached_exactly(processed):
    path, _out = processed
    cells = values(path, "AR Aging")
    assert [cells[f"{c}2"][0] for c in "ABCDEFGHI"] == [
        "Party", "Current", "1-30", "31-60", "61-90", "91-120", "120+", "Credit", "Total"]
    assert [cells[f"A{r}"][0] for r in (3, 4, 5, 6)] == ["Acme", "Beta", "Gamma", "Total"]
    assert (cells["B3"][0], cells["C3"][0], cells["I3"]) == (250.5, 600, ("=SUM(B3:H3)", 850.5))
    assert (cells["G4"][0], cells["H4"][0], cells["I4"]) == (300, -50, ("=SUM(B4:H4)", 250))
    assert cells["B5"][0] == 545  # USD 100 at the period-end rate 5.45
    assert cells["I6"] == ("=SUBTOTAL(109,BO_ARAging[Total])", 1645.5)
    assert cells["H6"] == ("=SUBTOTAL(109,BO_ARAging[Credit])", -50)
    assert cells["A8"][0] == "By bucket" and cells["B10"] == ("=B6", 795.5)
    assert cells["A17"][0] == "Invoices in USD (amounts in USD)" and cells["B19"][0] == 100
    ws = openpyxl.load_workbook(path)["AR Aging"]
    assert ws["B3"].number_format == '"R$" #,##0.00' and ws["B19"].number_format == '"$" #,##0.00'
    assert len(ws._charts) == 1


def test_ap_aging_and_invoice_status_linked_to_the_source_rows(processed):
    path, _out = processed
    ap = values(path, "AP Aging")
    assert (ap["A3"][0], ap["B3"][0], ap["C3"][0], ap["I4"][1]) == ("Supplier", 2000, 800, 2800)
    status = values(path, "Invoice Status")
    assert [status[f"{c}1"][0] for c in "ABCDEFGHIJK"] == [
        "Type", "Invoice No", "Party", "Due Date", "Amount", "Paid", "Outstanding", "Days Past Due",
        "Bucket", "Currency", "Outstanding (BRL)"]
    rows = {status[f"B{r}"][0]: [status.get(f"{c}{r}", (None,))[0] for c in "EFGHIJK"]
            for r in range(2, 9)}
    assert "A-5" not in rows  # issued after the as-of day
    assert rows["A-1"] == [1000, 400, 600, 30, "1-30", "BRL", 600]
    assert rows["U-1"] == [100, 0, 100, -30, "Current", "USD", 545]
    assert rows["A-4"] == [200, 250, -50, 21, "Credit", "BRL", -50]
    # AR + AP together; SUBTOTAL follows a filter on Type, so the user sees either alone
    assert status["K9"] == ("=SUBTOTAL(109,BO_InvoiceStatus[Outstanding (BRL)])", 4445.5)
    ws = openpyxl.load_workbook(path)["Invoice Status"]
    assert ws["B2"].hyperlink.location == "Invoices!A2" and ws["B5"].hyperlink.location == "Invoices!A5"


def test_cash_forecast_weeks_net_and_cumulative_are_live_formulas(processed):
    path, _out = processed
    cells = values(path, "Cash Forecast")
    assert [cells[f"{c}2"][0] for c in "ABCDEF"] == [
        "Week", "Week Start", "Receipts", "Payments", "Net", "Cumulative"]
    assert cells["A3"][0] == 1 and cells["B3"][0] == datetime(2026, 11, 1)
    assert cells["B15"][0] == datetime(2027, 1, 24)
    assert (cells["C3"][0], cells["D3"][0]) == (900, 800)  # overdue AR 600 + 300; AP 800
    assert cells["E3"] == ("=C3-D3", 100) and cells["F3"] == ("=E3", 100)
    assert cells["F4"] == ("=F3+E4", 350.5)
    assert (cells["C7"][0], cells["D7"][0], cells["F7"]) == (545, 2000, ("=F6+E7", -1104.5))
    assert cells["E16"] == ("=SUBTOTAL(109,BO_CashForecast[Net])", -1104.5)
    assert cells["A19"][0] == "Not in the weeks above" and cells["B21"][0] == -50
    assert len(openpyxl.load_workbook(path)["Cash Forecast"]._charts) == 1


def test_the_human_summary_gives_the_aged_figures(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    done = cli("process", "invoices", path, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert ("Aged as of 2026-10-31: 7 invoices, 7 open; outstanding AR 1645.50, AP 2800.00; "
            "net cash over 13 weeks -1104.50 (Cash Forecast)") in " ".join(done.stdout.split())


def test_dry_run_writes_nothing_and_period_moves_the_as_of_day(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out = cli_json("process", "invoices", path, "--dry-run", "--period", "2026-09")
    assert code == 0 and out["written"] == [] and out["audit"] is None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    figures = out["summary"]["invoices"]  # at 2026-09-30: A-1 not yet paid, October ones out
    assert (figures["as_of"], figures["invoices"], figures["outstanding"]) == (
        "2026-09-30", 3, {"AR": "1500.00", "AP": "0.00"})
    assert cli("process", "invoices", path, "--period", "2026-13").returncode == 2
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_rows_with_errors_are_left_out_and_the_run_exits_1(tmp_path):
    sheets = {**SHEETS, "Invoices": [*SHEETS["Invoices"],
                                     ["X-1", "XX", "Acme", D(2026, 10, 1), D(2026, 10, 2), 5, None]],
              "Payments": [*SHEETS["Payments"], [D(2026, 10, 9), "AR", "Acme", "NOPE", 70, None]]}
    path = make_book(tmp_path / "book.xlsx", sheets)
    code, out = cli_json("process", "invoices", path)
    assert code == 1 and not out["ok"]
    assert {(i["rule"], i["cell"]) for i in out["issues"] if i["severity"] == "error"} == {
        ("value.allowed", "B10"), ("payment.no_invoice", "D4")}
    assert out["summary"]["invoices"]["outstanding"] == {"AR": "1645.50", "AP": "2800.00"}
    issues = values(path, "Issues")
    assert {issues[f"E{r}"][0] for r in range(2, 6)} == {
        "value.allowed", "payment.no_invoice", "aging.credit_balance", "payment.over_outstanding"}


def test_memory_and_file_adapters_write_the_same_sheets(processed):
    path, _out = processed
    memory = MemoryWorkbook("book.xlsx", {name: [list(r) for r in rows] for name, rows in SHEETS.items()})
    invoices_job(memory, Context("t", "h", datetime(2026, 11, 2, tzinfo=UTC)))
    memory.save()
    book = FileWorkbook.open(path)
    for sheet in OUTPUTS:
        assert book.grid(sheet).rows() == memory.grid(sheet).rows(), sheet


def test_the_ribbon_buttons_run_the_step_and_show_its_sheets(tmp_path, monkeypatch):
    from fake_excel import Book

    from addin.ribbon import DISPATCH

    monkeypatch.delenv("BACKOFFICE_AUDIT_HEAD_DIR", raising=False)
    book = Book(tmp_path / "live.xlsx", {name: [list(r) for r in rows] for name, rows in SHEETS.items()})
    assert DISPATCH["process_invoices"](book) == ("Back Office", (
        "AR Aging, AP Aging, Invoice Status and Cash Forecast written as of the period end."))
    assert book.active is book.sheets["AR Aging"]
    assert DISPATCH["cash_forecast"](book) == (
        "Back Office", "Cash Forecast written: net expected over 13 weeks -1104.50.")
    assert book.active is book.sheets["Cash Forecast"]
    assert book.sheets["Cash Forecast"]["F7"].formula == "=F6+E7"
    assert book.saves == 2


# --------------------------------------------------------------------------- the demo book


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo book as built, and a copy processed by the job."""
    folder = tmp_path_factory.mktemp("demo")
    original, path = folder / "original.xlsx", folder / "in" / "demo.xlsx"
    build_demo_workbook(original)
    path.parent.mkdir()
    path.write_bytes(original.read_bytes())
    result = run_on_file(path, invoices_job)
    assert [i.rule for i in result.issues if i.rule in ("payment.before_invoice",
                                                        "aging.credit_balance")] == [
        "aging.credit_balance", "payment.before_invoice"]
    return original, path


def _sheet_text(path: Path, sheet: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cell", "value or formula", "cached"])
    for ref, (value, cached) in values(path, sheet).items():
        writer.writerow([ref, value, cached if cached != value else ""])
    return out.getvalue()


@pytest.mark.parametrize("sheet", OUTPUTS)
def test_the_demo_books_outputs_match_the_golden_files(demo, sheet):
    text = _sheet_text(demo[1], sheet)
    golden = GOLDEN / f"demo-out-{sheet.lower().replace(' ', '-')}.csv"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with BACKOFFICE_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs from the golden file"


def test_the_demo_ages_across_every_bucket(demo):
    cells = values(demo[1], "AR Aging")
    totals_row = next(r for r in range(3, 40) if cells.get(f"A{r}", (None,))[0] == "Total")
    assert all(cells[f"{c}{totals_row}"][1] > 0 for c in "BCDEFG")  # Current ... 120+
    forecast = values(demo[1], "Cash Forecast")
    assert any(forecast[f"E{r}"][1] < 0 for r in range(3, 16))  # a week paying out more


@pytest.mark.libreoffice
def test_libreoffice_recalculates_every_formula_to_the_cached_value(demo, tmp_path):
    converted = libreoffice.convert(demo[1], tmp_path / "out")
    for sheet in OUTPUTS:
        ours = formula_cells(demo[1], sheet)
        assert len(ours) > 10 or sheet == "Invoice Status", sheet
        recalculated = openpyxl.load_workbook(converted, data_only=True)[sheet]
        wrong = {ref: (cached, recalculated[ref].value) for ref, (_f, cached) in ours.items()
                 if recalculated[ref].value != cached}
        assert wrong == {}, sheet


def test_openxml_audit_finds_no_new_error(demo):
    original, path = demo
    found = new_findings(path, findings(original))
    assert found == [], describe(found)

"""`backoffice process payroll` end to end: the real command on real .xlsx files.

A small hand-checked book (every reason a row is not paid, two employees paid), the demo book's
outputs against golden files, Payroll Rules = tables from a Tax Tables sheet, --dry-run and
--period, the register's totals recalculated by LibreOffice, the Payslips printed to PDF (one
page per employee), openxml-audit, and the memory and file adapters writing the same sheets.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import payroll_reference as ref
import pytest
from ooxml_audit import describe, findings, new_findings

from addin.demo.book import build_demo_workbook
from addin.jobs import Context, payroll_job, run_on_file
from engine.payroll_rules import load_pack
from workbooks.memory import MemoryWorkbook
from workbooks.xlsx_file import FileWorkbook

try:
    from tests import libreoffice
except ImportError:  # tests/ itself on sys.path
    import libreoffice  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("BACKOFFICE_UPDATE_GOLDEN"))
D = Decimal
CPF = "529.982.247-25"
PAYROLL_HEADER = ["Employee ID", "Name", "Period", "Base Salary", "Overtime Hours", "Bonus",
                  "Other Deductions", "Dependents", "Tax ID", "Bank Account"]
REGISTER_HEADER = ["Employee ID", "Name", "Gross", "Social Security", "Income Tax",
                   "Other Deductions", "Net Pay", "Employer Contributions", "Total Cost"]


def small_sheets() -> dict[str, list[list[Any]]]:
    """Config with a minimum wage and a 20% employer rate; seven Payroll rows:

    row 2 E001 paid: 3,000 + 10 h overtime (204.55) + 500 bonus = 3,704.55; INSS 333.15; IRRF
          70.44 all reduced -> 0; net 3,704.55 − 333.15 − 150 = 3,221.40; FGTS 296.36 + 20%
          740.91 = 1,037.27; total cost 4,741.82 (as in test_payroll_br2026)
    row 3 E002 of 2026-09: another period, not paid (payroll.other_period)
    row 4 E003 1,500 − 2,000 other deductions: net −612.50, not paid (payroll.negative_net_pay),
          below the minimum wage and without a bank account (warnings)
    row 5 E001 again in 2026-10: key.duplicate, not paid
    row 6 E005 invalid CPF: taxid.invalid, not paid
    row 7 E006 paid: 10,000; INSS 988.09 (ceiling); IRRF base 9,011.91 × 27.5% − 908.73 =
          1,569.54525 -> 1,569.55, no reduction above 7,350; net 7,442.36; FGTS 800 + 2,000
    """
    return {
        "Config": [["Key", "Value"], ["Period", "2026-10"], ["Company", "Acme Ltda"],
                   ["Minimum Wage", "1621"], ["Employer Contribution Rate", "20%"]],
        "Payroll": [
            PAYROLL_HEADER,
            ["E001", "Ana", "2026-10", 3000, 10, 500, 150, 0, CPF, "0001-1"],
            ["E002", "Bruno", "2026-09", 9000, 0, 0, 0, 0, None, "0001-2"],
            ["E003", "Carla", "2026-10", 1500, 0, 0, 2000, 0, None, None],
            ["E001", "Ana again", "2026-10", 4000, 0, 0, 0, 0, None, "0001-3"],
            ["E005", "Eva", "2026-10", 5000, 0, 0, 0, 2, "111.111.111-11", "0001-5"],
            ["E006", "Davi", "2026-10", 10000, 0, 0, 0, 0, None, "0001-6"],
        ],
    }


SMALL_REGISTER = [
    ["E001", "Ana", 3704.55, 333.15, 0, 150, 3221.4, 1037.27, 4741.82],
    ["E006", "Davi", 10000, 988.09, 1569.55, 0, 7442.36, 2800, 12800],
]
SMALL_TOTALS = {"gross": "13704.55", "social_security": "1321.24", "income_tax": "1569.55",
                "other_deductions": "150.00", "net_pay": "10663.76",
                "employer_contributions": "3837.27", "total_cost": "17541.82"}
SMALL_ISSUES = [  # (rule, cell), as the Issues sheet orders them: errors first
    ("payroll.negative_net_pay", "G4"), ("key.duplicate", "C5"), ("taxid.invalid", "I6"),
    ("payroll.other_period", "C3"), ("payroll.below_minimum_wage", "D4"),
    ("payroll.no_bank_account", "J4")]


def write_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """The sheets as a real .xlsx made with openpyxl (Excel's number types)."""
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
    """`backoffice ...` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "addin.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)


def cli_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    done = cli(*args, "--json")
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def sheet_rows(path: Path, sheet: str, data_only: bool = True) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=data_only)[sheet]
    return [list(row) for row in ws.iter_rows(values_only=True)]


# --------------------------------------------------------------------------- the command


def test_process_payroll_pays_the_period_rows_without_errors(tmp_path):
    book = write_book(tmp_path / "payroll.xlsx", small_sheets())
    code, out = cli_json("process", "payroll", book)
    assert code == 1  # errors found (rows not paid); the run itself is done and written
    assert (out["command"], out["period"], out["ok"]) == ("process payroll", "2026-10", False)
    assert {k: out["summary"][k] for k in SMALL_TOTALS} == SMALL_TOTALS
    assert (out["summary"]["employees_paid"], out["summary"]["rules"]) == (2, "BR-2026")
    assert out["summary"]["not_paid"] == {"other_period": 1, "errors": 2, "negative_net_pay": 1}
    assert [(i["rule"], i["cell"]) for i in out["issues"]] == SMALL_ISSUES
    assert out["written"] == ["Payroll Register", "Payslips", "Issues", "Audit Log"]
    assert out["audit"]["seq"] == 1
    rows = sheet_rows(book, "Payroll Register")
    assert rows[0][0] == "Payroll Register — 2026-10 (BR-2026)"
    assert rows[1] == REGISTER_HEADER and rows[2:4] == SMALL_REGISTER
    assert rows[4] == ["Total", None, 13704.55, 1321.24, 1569.55, 150, 10663.76, 3837.27, 17541.82]
    assert rows[6][0] == "Not paid this run" and rows[8:12] == [["Employees paid", 2, *[None] * 7],
                          ["Rows of another period, not paid (only 2026-10 is paid)", 1, *[None] * 7],
                          ["Rows with errors, not paid (see the Issues sheet)", 2, *[None] * 7],
                          ["Negative net pay, not paid (see the Issues sheet)", 1, *[None] * 7]]
    ws = openpyxl.load_workbook(book)["Payroll Register"]
    assert [ws[f"A{r}"].hyperlink.location for r in (3, 4)] == ["Payroll!A2", "Payroll!A7"]
    assert ws["C5"].value == "=SUBTOTAL(109,BO_PayrollRegister[Gross])"
    assert ws["I5"].value == "=SUBTOTAL(109,BO_PayrollRegister[Total Cost])"
    issues = sheet_rows(book, "Issues")
    assert [(r[4], r[1]) for r in issues[1:]] == SMALL_ISSUES
    payroll = openpyxl.load_workbook(book)["Payroll"]
    assert payroll["G4"].comment is not None and "-612.50" in payroll["G4"].comment.text
    assert payroll["J4"].comment is not None and "E003" in payroll["J4"].comment.text


def test_the_audit_entry_and_a_second_run_giving_the_same_sheets(tmp_path):
    book = write_book(tmp_path / "payroll.xlsx", small_sheets())
    assert cli("process", "payroll", book).returncode == 1
    first = {s: sheet_rows(book, s) for s in ("Payroll Register", "Payslips")}
    done = cli("process", "payroll", book)
    assert done.returncode == 1, done.stderr
    assert "Payroll (BR-2026): 2 employees paid; gross 13704.55, net pay 10663.76" in \
        " ".join(done.stdout.split())
    assert {s: sheet_rows(book, s) for s in first} == first
    log = sheet_rows(book, "Audit Log")
    assert [(r[0], r[4], r[5]) for r in log[1:]] == [(1, "process payroll", "2026-10"),
                                                      (2, "process payroll", "2026-10")]
    assert log[2][6] == ("2 employees paid (BR-2026): gross 13704.55, net pay 10663.76, employer "
                         "cost 17541.82; 4 rows not paid (1 other period, 2 with errors, 1 negative "
                         "net pay)")
    code, verdict = cli_json("audit", "verify", book)
    assert code == 0 and verdict["ok"], verdict


def test_dry_run_writes_nothing_and_period_pays_that_month(tmp_path):
    book = write_book(tmp_path / "payroll.xlsx", small_sheets())
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    code, out = cli_json("process", "payroll", book, "--dry-run")
    assert code == 1 and out["written"] == [] and out["audit"] is None
    assert out["summary"]["net_pay"] == "10663.76"
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    assert not list(tmp_path.glob(".*lock*"))
    # September: only Bruno. 9,000: INSS 988.09; IRRF (9,000 − 988.09) × 27.5% − 908.73 =
    # 1,294.54525 -> 1,294.55; net 6,717.36. The October rows are another period.
    code, out = cli_json("process", "payroll", book, "--period", "2026-09")
    assert out["period"] == "2026-09" and out["summary"]["employees_paid"] == 1
    assert (out["summary"]["gross"], out["summary"]["net_pay"]) == ("9000.00", "6717.36")
    assert out["summary"]["not_paid"] == {"other_period": 5, "errors": 0, "negative_net_pay": 0}
    rows = sheet_rows(book, "Payroll Register")
    assert rows[0][0] == "Payroll Register — 2026-09 (BR-2026)"
    assert rows[2] == ["E002", "Bruno", 9000, 988.09, 1294.55, 0, 6717.36, 2520, 11520]
    assert cli("process", "payroll", book, "--period", "2026-13").returncode == 2


def test_a_book_without_a_payroll_sheet_is_an_error_not_a_crash(tmp_path):
    book = write_book(tmp_path / "no-payroll.xlsx", {"Config": [["Key", "Value"],
                                                                 ["Period", "2026-10"]]})
    code, out = cli_json("process", "payroll", book)
    assert code == 1 and out["summary"]["not_run"] == "no Payroll sheet"
    assert [(i["rule"], i["sheet"]) for i in out["issues"]] == [("sheet.missing", "Payroll")]
    assert out["written"] == ["Issues", "Audit Log"]


# --------------------------------------------------------------------------- Payroll Rules = tables

TAX_TABLES = [["Table", "Up To", "Rate"], ["social_security", 1000, 0.05],
              ["social_security", 3000, 0.10], ["income_tax", 2000, 0], ["income_tax", 4000, 0.10],
              ["income_tax", None, 0.20]]


def test_tables_mode_from_a_workbook_with_a_tax_tables_sheet(tmp_path):
    """SS capped at 3,000: 1,000 × 5% + 2,000 × 10% = 250; IRRF base 5,000 − (250 + 100 per
    dependent) = 4,650: 2,000 × 10% + 650 × 20% = 330; net 4,420.00. The second: 2,500 → SS
    200, IRRF 300 × 10% = 30, net 2,270.00. No FGTS in tables mode."""
    sheets = {"Config": [["Key", "Value"], ["Period", "2026-10"], ["Payroll Rules", "tables"],
                         ["Dependent Deduction", "100"]],
              "Folha": [PAYROLL_HEADER, ["T1", "Tina", "2026-10", 5000, 0, 0, 0, 1, None, "1"],
                        ["T2", "Tom", "2026-10", 2500, 0, 0, 0, 0, None, "2"]],
              "Tax Tables": TAX_TABLES}
    book = write_book(tmp_path / "tables.xlsx", sheets)
    code, out = cli_json("process", "payroll", book)
    assert code == 0 and out["issues"] == [] and out["summary"]["rules"] == "tables"
    rows = sheet_rows(book, "Payroll Register")
    assert rows[2:4] == [["T1", "Tina", 5000, 250, 330, 0, 4420, 0, 5000],
                         ["T2", "Tom", 2500, 200, 30, 0, 2270, 0, 2500]]
    assert openpyxl.load_workbook(book)["Payroll Register"]["A3"].hyperlink.location == "Folha!A2"
    slip = {r[0]: r[1:] for r in sheet_rows(book, "Payslips")[:30] if r[0]}
    assert slip["IRRF reduction"] == ["None (Payroll Rules = tables)", 0]
    assert slip["IRRF deductions"] == ["INSS + 1 dependent(s) × 100.00", 350]
    del sheets["Tax Tables"]
    code, out = cli_json("process", "payroll", write_book(tmp_path / "none.xlsx", sheets))
    assert code == 1 and [(i["rule"], i["sheet"]) for i in out["issues"]] == [
        ("sheet.missing", "Tax Tables")]
    assert "Payroll Register" not in out["written"]


# --------------------------------------------------------------------------- the demo book


@pytest.fixture(scope="module")
def demo_paid(tmp_path_factory) -> Path:
    """The demo book after `process payroll` (in process, through the one door)."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    build_demo_workbook(path)
    result = run_on_file(path, payroll_job)
    assert result.summary["employees_paid"] == 24  # 25 less the invalid CPF
    return path


def _grid_csv(path: Path, sheet: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in FileWorkbook.open(path).grid(sheet).rows():
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


@pytest.mark.parametrize("sheet", ["Payroll Register", "Payslips"])
def test_the_demo_payroll_matches_the_golden_file(demo_paid, sheet):
    name = f"demo-{sheet.lower().replace(' ', '-')}.csv"
    text = _grid_csv(demo_paid, sheet)
    if UPDATE:
        (GOLDEN / name).write_text(text, encoding="utf-8")
    assert text == (GOLDEN / name).read_text(encoding="utf-8"), f"{name} differs from the golden file"


def test_the_demo_payslips_print_one_page_per_employee(demo_paid, tmp_path):
    ws = openpyxl.load_workbook(demo_paid)["Payslips"]
    headings = [r for r in range(1, ws.max_row + 1)
                if str(ws.cell(r, 1).value or "").startswith("Employee ")
                and ws.cell(r, 2).value is None]
    assert len(headings) == 24 and ws["A1"].value.endswith("— 2026-10")
    assert [b.id for b in ws.row_breaks.brk] == [r - 1 for r in headings[1:]]  # break above each
    assert ws.print_area == f"'Payslips'!$A$1:$C${ws.max_row}"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    printable = tmp_path / "in" / "payslips.xlsx"
    printable.parent.mkdir()
    wb = openpyxl.load_workbook(demo_paid)
    for other in wb.worksheets:
        if other.title != "Payslips":
            other.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Payslips")
    wb.save(printable)
    pdf = libreoffice.convert(printable, tmp_path / "out", to="pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:"))
    assert pages == "24", info


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_register_totals_to_the_engines(demo_paid, tmp_path):
    ws = openpyxl.load_workbook(demo_paid)["Payroll Register"]
    cached = openpyxl.load_workbook(demo_paid, data_only=True)["Payroll Register"]
    totals = {c.coordinate: cached[c.coordinate].value for row in ws.iter_rows() for c in row
              if c.data_type == "f"}
    assert len(totals) == 7 and all(v is not None for v in totals.values())
    recalculated = openpyxl.load_workbook(libreoffice.convert(demo_paid, tmp_path / "out"),
                                          data_only=True)["Payroll Register"]
    assert {ref: recalculated[ref].value for ref in totals} == totals
    assert totals["G27"] == 109333.71  # Net Pay: the new hire without a bank account is paid too


def test_excel_would_open_the_book_after_payroll(tmp_path):
    book = write_book(tmp_path / "payroll.xlsx", small_sheets())
    before = findings(book)
    assert cli("process", "payroll", book).returncode == 1
    found = new_findings(book, before)
    assert found == [], describe(found)


def test_memory_and_file_adapters_write_the_same_payroll(tmp_path):
    sheets = small_sheets()
    ctx = Context("tester", "host", datetime(2026, 11, 1, tzinfo=UTC))
    memory = MemoryWorkbook("payroll.xlsx", small_sheets())
    file = FileWorkbook.open(write_book(tmp_path / "payroll.xlsx", sheets))
    results = [payroll_job(book, Context(ctx.user, ctx.host, ctx.now)) for book in (memory, file)]
    assert results[0].summary == results[1].summary
    assert [i.address for i in results[0].issues] == [i.address for i in results[1].issues]
    for book in (memory, file):
        book.save()
    file = FileWorkbook.open(file.path)
    for sheet in ("Payroll Register", "Payslips"):
        assert memory.grid(sheet).rows() == file.grid(sheet).rows(), sheet


def test_every_demo_register_row_agrees_with_the_decimal_reference(demo_paid):
    """Independently of the engine: each employee's figures from its Payroll row through
    tests/payroll_reference.py (plain Decimal arithmetic over the pack)."""
    def d(value: Any) -> Decimal:
        return D(0) if value is None else D(str(value))

    payroll = {r[0]: r for r in sheet_rows(demo_paid, "Payroll")[1:] if r[0]}
    register = sheet_rows(demo_paid, "Payroll Register")[2:26]
    for emp, name, gross, inss, irrf, other, net, employer, cost in register:
        _, source_name, _, base, hours, bonus, deductions, deps, _, _ = payroll[emp]
        assert (name, d(other), d(cost)) == (source_name, d(deductions), d(gross) + d(employer))
        want_gross = d(base) + ref.overtime(d(base), d(hours), D("1.5"), D(220)) + d(bonus)
        want = ref.gross_to_net(load_pack(), want_gross, int(deps or 0), d(deductions), D(0))
        assert (d(gross), d(inss), d(irrf), d(net), d(employer)) == (
            want_gross, want["inss"], want["irrf"], want["net"], want["fgts"] + want["extra"]), emp


def test_the_run_payroll_button_on_a_book_open_in_excel(tmp_path):
    """The ribbon's Run payroll: the same steps through the one door, on the live book."""
    from fake_excel import Book

    from addin import ribbon

    book = Book(tmp_path / "live.xlsx", small_sheets())
    title, message = ribbon.DISPATCH["process_payroll"](book)
    assert title == "Back Office"
    assert message == ("Payroll 2026-10: 2 employees paid, net pay 10663.76, employer cost "
                       "17541.82 (Payroll Register, Payslips). Not paid: 4 rows. 3 errors: see the "
                       "Issues sheet.")
    assert book.saves == 1
    assert {"Payroll Register", "Payslips", "Issues", "Audit Log"} <= {s.name for s in book.sheets}
    assert book.sheets["Payslips"].page_setup.print_area == "$A$1:$C$47"  # two blocks of 23 rows


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("Monthly Hours", "zero", "Config Monthly Hours is not valid (see the Issues sheet)"),
    ("Period", "Oct", "the Config Period is not a valid month"),
])
def test_a_payroll_config_value_that_is_not_valid_stops_the_payroll(tmp_path, key, value, reason):
    """Paying with a default the user did not choose would be wrong money: nothing is paid."""
    sheets = small_sheets()
    config = [row for row in sheets["Config"] if row[0] != key]
    sheets["Config"] = [*config, [key, value]]
    code, out = cli_json("process", "payroll", write_book(tmp_path / "bad.xlsx", sheets))
    assert code == 1 and out["summary"]["not_run"] == reason
    assert out["summary"]["employees_paid"] == 0 and out["summary"]["net_pay"] == "0.00"
    assert ("config.period" if key == "Period" else "config.value") in {i["rule"] for i in out["issues"]}
    assert "Payroll Register" not in out["written"] and "Issues" in out["written"]

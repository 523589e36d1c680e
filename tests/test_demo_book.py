"""The demo workbook: layout, canonical headers, sizes, planted cells and determinism."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from stdnum.br import cpf

from addin.demo.book import DemoFacts, build_demo_workbook
from engine.money import to_decimal
from engine.parsing import parse_date, parse_decimal
from engine.schema import (
    CONFIG,
    FX_RATES,
    INVOICES,
    ORDERS,
    PAYMENTS,
    PAYROLL,
    STOCK,
    STOCK_MOVEMENTS,
    SheetSpec,
)

SHEETS: tuple[SheetSpec, ...] = (CONFIG, ORDERS, INVOICES, PAYMENTS, PAYROLL, STOCK,
                                 STOCK_MOVEMENTS, FX_RATES)
HEADER_ROW = {ORDERS.name: 3}
ROW_RANGES = {
    CONFIG.name: (12, 12),
    ORDERS.name: (250, 350),
    INVOICES.name: (100, 140),
    PAYMENTS.name: (60, 100),
    PAYROLL.name: (20, 30),
    STOCK.name: (35, 45),
    STOCK_MOVEMENTS.name: (120, 180),
    FX_RATES.name: (60, 130),
}
PLANTED_KINDS = {"unreadable_number", "overpayment", "outside_period", "duplicate_bill",
                 "invalid_tax_id"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoFacts, Workbook]:
    """One demo book per module, reopened with openpyxl."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    facts = build_demo_workbook(path)
    return facts, openpyxl.load_workbook(path)


def _plain(value: object) -> object:
    """A cell value as written: openpyxl reads dates back as midnight datetimes, and numbers as
    floats (the Decimal written is the float's shortest text)."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, float):
        return to_decimal(value)
    return value


def _data_rows(ws: Worksheet, header_row: int) -> Iterator[tuple[object, ...]]:
    """Non-blank rows below the header."""
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if any(v is not None for v in row):
            yield row


def _column(ws: Worksheet, spec: SheetSpec, name: str) -> list[object]:
    """One column's values below the header."""
    index = [c.name for c in spec.columns].index(name)
    return [_plain(row[index]) for row in _data_rows(ws, HEADER_ROW.get(spec.name, 1))]


def _all_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every cell value of every sheet."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_sheet_names_and_canonical_headers(built: tuple[DemoFacts, Workbook]) -> None:
    _, wb = built
    assert wb.sheetnames == [spec.name for spec in SHEETS]
    for spec in SHEETS:
        ws = wb[spec.name]
        row = HEADER_ROW.get(spec.name, 1)
        header = [c.value for c in ws[row]][: len(spec.columns)]
        assert header == [c.name for c in spec.columns], spec.name
        assert ws.freeze_panes == f"A{row + 1}"
        assert all(c.font.b for c in ws[row][: len(spec.columns)])


def test_orders_title_above_header_and_invoices_table(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    orders = wb[ORDERS.name]
    assert "Sales orders" in str(orders["A1"].value)
    assert all(c.value is None for c in orders[2])
    tables = wb[INVOICES.name].tables
    assert len(tables) == 1
    table = next(iter(tables.values()))
    assert table.ref == f"A1:I{facts.rows[INVOICES.name] + 1}"
    assert table.tableStyleInfo is not None and table.tableStyleInfo.name


def test_row_counts(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    assert set(facts.rows) == {spec.name for spec in SHEETS}
    for spec in SHEETS:
        count = len(list(_data_rows(wb[spec.name], HEADER_ROW.get(spec.name, 1))))
        low, high = ROW_RANGES[spec.name]
        assert count == facts.rows[spec.name], spec.name
        assert low <= count <= high, (spec.name, count)
    assert facts.total_rows >= 700
    assert len(set(_column(wb[ORDERS.name], ORDERS, "Order ID"))) in range(100, 141)


def test_config_values(built: tuple[DemoFacts, Workbook]) -> None:
    _, wb = built
    config = {k: v for k, v in wb[CONFIG.name].iter_rows(min_row=2, values_only=True)}
    assert config["Company"] == "Acme Distribuidora Ltda"
    assert config["Period"] == "2026-10"
    assert config["Payroll Rules"] == "BR-2026"
    assert config["Monthly Hours"] == 220


def test_real_types_and_text_ids(built: tuple[DemoFacts, Workbook]) -> None:
    _, wb = built
    orders = wb[ORDERS.name]
    skus = _column(orders, ORDERS, "SKU")
    assert all(isinstance(s, str) for s in skus)
    assert any(s.startswith("00") for s in skus)  # type: ignore[union-attr]
    assert all(isinstance(s, str) and s.startswith("00") for s in _column(orders, ORDERS,
                                                                          "Order ID"))
    numbers = [q for q in _column(orders, ORDERS, "Quantity") if not isinstance(q, str)]
    assert len(numbers) >= 290 and all(isinstance(q, int | Decimal) for q in numbers)
    assert "USD" in _column(orders, ORDERS, "Currency")
    issued = _column(wb[INVOICES.name], INVOICES, "Issue Date")
    assert all(isinstance(d, date) and date(2026, 6, 1) <= d <= date(2026, 10, 31)
               for d in issued)
    assert {"AR", "AP"} == set(_column(wb[INVOICES.name], INVOICES, "Type"))
    assert wb[PAYROLL.name]["D2"].number_format == "#,##0.00"


def test_payroll_salaries_and_cpfs(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    ws = wb[PAYROLL.name]
    salaries = _column(ws, PAYROLL, "Base Salary")
    assert min(salaries) >= 1621.00 and max(salaries) <= 15000.00  # type: ignore[type-var]
    bad = {p.value for p in facts.planted if p.kind == "invalid_tax_id"}
    for tax_id in _column(ws, PAYROLL, "Tax ID"):
        assert isinstance(tax_id, str) and len(tax_id) == 14
        assert cpf.is_valid(tax_id) != (tax_id in bad)


def test_planted_problems(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    assert 3 <= len(facts.planted) <= 5
    assert {p.kind for p in facts.planted} == PLANTED_KINDS
    for problem in facts.planted:
        assert _plain(wb[problem.sheet][problem.cell].value) == problem.value, problem
        assert problem.description
    by_kind = {p.kind: p for p in facts.planted}
    assert by_kind["unreadable_number"].value == "N/A"
    assert by_kind["unreadable_number"].cell.startswith("F")  # Orders Quantity
    assert isinstance(by_kind["outside_period"].value, date)
    assert by_kind["outside_period"].value < date(2026, 10, 1)
    assert by_kind["duplicate_bill"].value == "123"
    assert "000123" in _column(wb[INVOICES.name], INVOICES, "Invoice No")


def test_overpayment_exceeds_outstanding(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    problem = next(p for p in facts.planted if p.kind == "overpayment")
    ws = wb[PAYMENTS.name]
    row = ws[int(problem.cell[1:])]
    kind, party, number = row[1].value, row[2].value, row[3].value
    invoice = next(r for r in _data_rows(wb[INVOICES.name], 1)
                   if (r[1], r[2], r[0]) == (kind, party, number))
    paid_before = sum(
        (to_decimal(r[4]) for i, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)
         if (r[1], r[2], r[3]) == (kind, party, number) and i != row[0].row), Decimal(0))
    assert isinstance(problem.value, Decimal)
    assert problem.value > to_decimal(invoice[5]) - paid_before  # type: ignore[arg-type]


def test_text_values_are_readable(built: tuple[DemoFacts, Workbook]) -> None:
    facts, wb = built
    assert 4 <= len(facts.text_values) <= 6
    for text_value in facts.text_values:
        cell = wb[text_value.sheet][text_value.cell].value
        assert cell == text_value.text, text_value
        expected = text_value.value
        if isinstance(expected, date):
            assert parse_date(text_value.text) == expected
        else:
            assert parse_decimal(text_value.text) == expected  # exactly, not approximately
    texts = {t.text for t in facts.text_values}
    assert {"1.234,56", "R$ 89,90", "15%", "31/10/2026"} <= texts


def test_same_seed_gives_identical_books(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    facts_a = build_demo_workbook(first, seed=7)
    facts_b = build_demo_workbook(second, seed=7)
    assert _all_values(first) == _all_values(second)
    assert (facts_a.rows, facts_a.planted, facts_a.text_values) == (
        facts_b.rows, facts_b.planted, facts_b.text_values)
    props = openpyxl.load_workbook(first).properties
    assert props.created == props.modified == datetime(2026, 11, 1)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "existing.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        build_demo_workbook(path)
    assert path.read_bytes() == b"keep me"

"""Exact money through the real reading path (issue 8 item 2): .xlsx files written with
workbooks.input_book, read by FileWorkbook + read_table, amounts compared as Decimals."""

from __future__ import annotations

import itertools
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.checker import display
from engine.money import decimal_column, decimals, round_money, scaled
from engine.schema import GL_BALANCES, INVOICES, ORDERS, PAYMENTS
from engine.validation import validate
from workbooks.input_book import BookProperties, InputSheet, write_input_book
from workbooks.reading import read_table
from workbooks.xlsx_file import FileWorkbook

PROPS = BookProperties("tests", "exact money", datetime(2026, 11, 1))
_ORDERS = tuple(c.name for c in ORDERS.columns)


def _orders_file(path: Path, prices: list[object], quantities: list[object] | None = None,
                 discounts: list[object] | None = None) -> Path:
    rows = [{"Order ID": f"SO-{i}", "Line": 1, "Order Date": datetime(2026, 10, 5),
             "Customer": "Acme", "SKU": "A1", "Quantity": (quantities or [1] * len(prices))[i],
             "Unit Price": price, "Discount": (discounts or [None] * len(prices))[i]}
            for i, price in enumerate(prices)]
    write_input_book(path, [InputSheet("Orders", _ORDERS, rows)], PROPS)
    return path


def _read(path: Path, sheet: str = "Orders", spec=ORDERS, locale: str = "en"):
    return read_table(FileWorkbook.open(path).grid(sheet), spec, locale)


def test_half_up_rounding_of_amounts_read_from_a_file(tmp_path):
    table = _read(_orders_file(tmp_path / "b.xlsx", [2.675, 1.005, -2.675, 0.125]))
    prices = table.decimals("Unit Price")
    assert prices == [Decimal("2.675"), Decimal("1.005"), Decimal("-2.675"), Decimal("0.125")]
    assert [round_money(p) for p in prices] == [Decimal("2.68"), Decimal("1.01"), Decimal("-2.68"),
                                                Decimal("0.13")]
    assert (round(2.675, 2), round(1.005, 2)) == (2.67, 1.0)  # what floats would have given
    got_cents, present = table.cents("Unit Price")  # the vectorised twin agrees
    assert got_cents.tolist() == [268, 101, -268, 13] and present.all()


def test_text_and_number_cells_read_to_the_same_decimal(tmp_path):
    path = _orders_file(tmp_path / "b.xlsx", [1234.56, "1.234,56", "R$ 1.234,56", Decimal("1234.56")],
                        quantities=[3, "3", " 3 ", Decimal("3.0")], discounts=[0.1, "10%", "10 %", None])
    for locale in ("en", "pt-BR"):
        table = _read(path, locale=locale)
        assert table.decimals("Unit Price") == [Decimal("1234.56")] * 4
        assert table.decimals("Quantity") == [Decimal(3)] * 4
        assert table.decimals("Discount") == [Decimal("0.1")] * 3 + [None]
        assert not table.issues or {i.rule for i in table.issues} == {"sheet.missing_column"}
    assert str(table.frame["Unit Price"].dtype) == "decimal128(38, 2)[pyarrow]"


def test_tenths_add_up_exactly(tmp_path):
    table = _read(_orders_file(tmp_path / "b.xlsx", [0.1, 0.2, 0.7]))
    prices = table.decimals("Unit Price")
    assert prices[0] + prices[1] == Decimal("0.3")  # float: 0.30000000000000004
    assert pc.sum(pa.array(table.frame["Unit Price"].array)).as_py() == Decimal("1.0")
    assert [display(v) for v in table.frame["Unit Price"]] == ["0.1", "0.2", "0.7"]


def test_a_thousand_cents_from_a_file_and_a_million_in_the_column_type(tmp_path):
    table = _read(_orders_file(tmp_path / "b.xlsx", [0.01] * 1000))
    assert pc.sum(pa.array(table.frame["Unit Price"].array)).as_py() == Decimal("10.00")
    million = decimal_column(pa.array(["0.01"] * 1_000_000))  # what reading builds per column
    assert pc.sum(million).as_py() == Decimal("10000.00")
    column = pd.Series(pd.arrays.ArrowExtensionArray(million))
    units, _ = scaled(column, 2)
    assert int(units.sum()) == 1_000_000
    assert sum(decimals(column), Decimal(0)) == Decimal("10000.00")
    assert sum([0.01] * 1_000_000) != 10_000.00  # floats: 10000.000000171856


def test_odd_cells_keep_their_exact_value_or_are_unreadable(tmp_path):
    values = ["1e3", "12,5%", "(1.234,50)", "1e-25", "1e25", "abc", 12345678901234.56, 0.1 + 0.2]
    table = _read(_orders_file(tmp_path / "b.xlsx", values), locale="pt-BR")
    assert table.decimals("Unit Price") == [Decimal(1000), Decimal("0.125"), Decimal("-1234.5"),
                                            Decimal(0), None, None, Decimal("12345678901234.6"),
                                            Decimal("0.3")]  # Excel's 15 digits
    unreadable = {i.cell for i in table.issues if i.rule == "read.unreadable"}
    assert unreadable == {"G6", "G7"}  # 1e25 (beyond 10^20) and "abc"


def test_an_overpayment_is_exact_to_the_cent(tmp_path):
    invoices = [{"Invoice No": f"F{n}", "Type": "AR", "Party": "Acme", "Issue Date": datetime(2026, 10, 1),
                 "Due Date": datetime(2026, 10, 31), "Amount": amount}
                for n, amount in enumerate([Decimal("100.00"), Decimal("0.3"), Decimal("10.005")])]
    payments = [{"Payment Date": datetime(2026, 10, d), "Type": "AR", "Party": "Acme",
                 "Invoice No": number, "Amount": amount}
                for d, (number, amount) in enumerate([
                    ("F0", 33.33), ("F0", 33.33), ("F0", 33.34),  # exactly the amount: fine
                    ("F1", 0.1), ("F1", 0.2),  # 0.1 + 0.2 is 0.3, not 0.30000000000000004
                    ("F2", 10.01),  # 10.005 is settled by 10.01
                    ("F0", 0.01)], start=1)]  # one cent over: flagged
    path = tmp_path / "b.xlsx"
    write_input_book(path, [InputSheet("Invoices", tuple(c.name for c in INVOICES.columns), invoices),
                            InputSheet("Payments", tuple(c.name for c in PAYMENTS.columns), payments)],
                     PROPS)
    tables = {"Invoices": _read(path, "Invoices", INVOICES), "Payments": _read(path, "Payments", PAYMENTS)}
    issues = [i for i in validate(tables, {}, {}, other_sheets=True) if i.rule == "payment.over_outstanding"]
    assert [(i.cell, i.value) for i in issues] == [("E8", "F0")]
    assert "100.01 against an amount of 100.00" in issues[0].message


def test_decimal_cells_are_written_as_numbers_with_their_digits(tmp_path):
    path = _orders_file(tmp_path / "b.xlsx", [Decimal("189.90"), Decimal("0.10"), Decimal("1234567.89")])
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="G2" s="1" t="n"><v>189.9</v></c>' in sheet or '<v>189.9</v>' in sheet
    assert 't="n"><v>1234567.89</v>' in sheet
    assert _read(path).decimals("Unit Price") == [Decimal("189.9"), Decimal("0.1"), Decimal("1234567.89")]


_AMOUNTS = st.decimals(min_value=Decimal("-999999999.99"), max_value=Decimal("999999999.99"),
                       places=2, allow_nan=False, allow_infinity=False)


def _en(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _pt(amount: Decimal) -> str:
    return "R$ " + f"{amount:,.2f}".translate(str.maketrans(",.", ".,"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_AMOUNTS, min_size=1, max_size=40))
def test_amounts_as_numbers_and_as_text_read_back_the_same(tmp_path_factory, amounts):
    path = tmp_path_factory.mktemp("prop") / "b.xlsx"
    columns = tuple(c.name for c in GL_BALANCES.columns)
    sheets = [InputSheet(name, columns, [{"Account": str(i), "Balance": shown(a)}
                                         for i, a in enumerate(amounts)])
              for name, shown in (("Numbers", lambda a: a), ("Floats", float), ("English", _en),
                                  ("Portuguese", _pt))]
    write_input_book(path, sheets, PROPS)
    book = FileWorkbook.open(path)
    for sheet, locale in itertools.product(("Numbers", "Floats", "English", "Portuguese"), ("en", "pt-BR")):
        if (sheet, locale) in {("English", "pt-BR"), ("Portuguese", "en")}:
            continue  # "1,234.50" is not pt-BR (nor "1.234,50" English) for every amount
        table = read_table(book.grid(sheet), GL_BALANCES, locale)
        assert table.decimals("Balance") == amounts, (sheet, locale)
        assert not table.issues


@pytest.mark.parametrize(("text", "locale", "want"), [
    ("1.234,56", "pt-BR", "1234.56"), ("1,234.56", "en", "1234.56"), ("R$ 10", "pt-BR", "10"),
    ("10%", "en", "0.1"), ("12,5%", "pt-BR", "0.125"), ("(12,50)", "pt-BR", "-12.50"), ("0.1", "en", "0.1"),
])
def test_parse_decimal_is_exact_and_parse_number_is_its_float(text, locale, want):
    from engine.parsing import parse_decimal, parse_number

    assert parse_decimal(text, locale) == Decimal(want)
    assert parse_number(text, locale) == float(Decimal(want))

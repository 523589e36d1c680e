"""A payment's Currency defaults to its invoice's (workbook-spec.md, Payments), so a payment of
a USD invoice with the Currency left blank still needs a USD rate on or before its date."""

from __future__ import annotations

from datetime import date

from engine.validation import validate
from workbooks.memory import MemoryWorkbook
from workbooks.reading import read_workbook


def _issues(rate_date: date, payment_currency: str | None) -> list[tuple[str, str, str]]:
    book = MemoryWorkbook("b.xlsx", {
        "Config": [["Key", "Value"], ["Period", "2026-10"]],
        "Invoices": [["Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Currency"],
                     ["1", "AR", "X", date(2026, 10, 1), date(2026, 10, 30), 100.0, "USD"]],
        "Payments": [["Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"],
                     [date(2026, 10, 5), "AR", "X", "1", 50.0, payment_currency]],
        "FX Rates": [["Currency", "Date", "Rate"], ["USD", rate_date, 5.4]],
    })
    data = read_workbook(book)
    found = validate(data.tables, data.config, data.config_cells, data.locale)
    return [(i.sheet, i.cell, i.rule) for i in found if i.sheet == "Payments"]


def test_a_blank_payment_currency_is_the_invoices_and_needs_its_rate():
    assert _issues(date(2026, 10, 7), None) == [("Payments", "F2", "fx.missing_rate")]


def test_a_rate_before_the_payment_date_is_enough():
    assert _issues(date(2026, 9, 30), None) == []


def test_a_payment_in_the_functional_currency_needs_no_rate():
    assert _issues(date(2026, 10, 7), "BRL") == []

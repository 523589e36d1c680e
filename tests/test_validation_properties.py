"""Property tests of validation: random clean Orders + Stock books are clean; k faults injected at
random distinct cells are each found at their cell with their rule, and nothing else is reported.

The books have no Currency column (FX is covered in tests/test_rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rulebook import run_validation

from workbooks.model import column_letter

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

ORDERS_HEADER = ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price",
                 "Discount", "Tax Rate", "Priority"]
LETTER = {name: column_letter(i + 1) for i, name in enumerate(ORDERS_HEADER)}
CUSTOMERS = ["Acme Ltda", "Beta S.A.", "Gama ME", "Padaria São João", "Ørsted A/S"]


@dataclass(frozen=True)
class Book:
    """A random clean book: Stock SKUs and Orders rows (as typed, row 2 onwards)."""

    skus: list[str]
    orders: list[list[Any]]

    def sheets(self, orders: list[list[Any]] | None = None) -> dict[str, list[list[Any]]]:
        return {
            "Config": [["Key", "Value"], ["Period", "2026-10"], ["Locale", "en"]],
            "Stock": [["SKU", "Description", "Opening Qty"],
                      *([sku, f"Item {sku}", 10] for sku in self.skus)],
            "Orders": [ORDERS_HEADER, *(orders if orders is not None else self.orders)],
        }


cents = st.integers(0, 10_000_000).map(lambda c: c / 100)
positive = st.integers(1, 1_000_000).map(lambda c: c / 100)
percent = st.integers(0, 100).flatmap(lambda p: st.sampled_from([p / 100, f"{p}%"]))
day = st.integers(1, 31).flatmap(lambda d: st.sampled_from(
    [date(2026, 10, d), f"2026-10-{d:02d}", f"{d:02d}/10/2026"]))


@st.composite
def clean_books(draw: st.DrawFn) -> Book:
    numbers = draw(st.lists(st.integers(1, 999), min_size=1, max_size=5, unique=True))
    skus = [f"SKU-{n:03d}" for n in numbers]
    lines: dict[str, int] = {}
    orders = []
    for _ in range(draw(st.integers(1, 12))):
        order_id = f"SO-{draw(st.integers(1, 4))}"
        lines[order_id] = lines.get(order_id, 0) + 1
        sku = draw(st.sampled_from(skus))
        orders.append([
            order_id, lines[order_id], draw(day), draw(st.sampled_from(CUSTOMERS)),
            draw(st.sampled_from([sku, sku.lower(), f" {sku} "])), draw(positive), draw(cents),
            draw(percent), draw(percent), draw(st.integers(0, 5)),
        ])
    return Book(skus, orders)


# The fault menu: (what, column, the bad values, the rule that must report it).
FAULTS: tuple[tuple[str, str, st.SearchStrategy[Any], str], ...] = (
    ("negative price", "Unit Price", positive.map(lambda v: -v), "value.negative"),
    ("zero quantity", "Quantity", st.sampled_from([0, 0.0, "0"]), "value.positive"),
    *(("fraction above 1", column, st.integers(101, 10_000).flatmap(
        lambda p: st.sampled_from([p / 100, f"{p}%"])), "value.fraction")
      for column in ("Discount", "Tax Rate")),
    ("unknown SKU", "SKU", st.sampled_from(["ZZ-404", "SKU-1000", "SKU 0"]), "stock.unknown_sku"),
    *(("unreadable", column, st.sampled_from(["N/A", "abc", "1,2,3"]), "read.unreadable")
      for column in ("Quantity", "Unit Price", "Discount", "Tax Rate", "Line", "Priority")),
    *(("blank", column, st.sampled_from([None, "", "   "]), "value.required")
      for column in ("Order ID", "Order Date", "Customer", "SKU", "Quantity", "Unit Price")),
)


@st.composite
def faulty_books(draw: st.DrawFn) -> tuple[Book, list[list[Any]], set[tuple[str, str]]]:
    """A clean book, its Orders rows with 1-5 faults at distinct cells, and {(cell, rule)}."""
    book = draw(clean_books())
    targets = draw(st.lists(
        st.tuples(st.integers(0, len(book.orders) - 1), st.sampled_from(FAULTS)),
        min_size=1, max_size=5, unique_by=lambda t: (t[0], t[1][1])))
    blank_ids = [t for t in targets if t[1][0] == "blank" and t[1][1] == "Order ID"]
    targets = [t for t in targets if t not in blank_ids[1:]]  # one blank Order ID at most
    orders = [list(row) for row in book.orders]
    expected = set()
    for index, (_, column, values, rule_id) in targets:
        orders[index][ORDERS_HEADER.index(column)] = draw(values)
        expected.add((f"{LETTER[column]}{index + 2}", rule_id))
    return book, orders, expected


@SETTINGS
@given(clean_books())
def test_random_clean_books_have_no_issue(book):
    assert run_validation(book.sheets()) == []


@SETTINGS
@given(faulty_books())
def test_every_injected_fault_is_found_at_its_cell_and_nothing_else(case):
    book, orders, expected = case
    issues = run_validation(book.sheets(orders))
    found = [(i.cell, i.rule) for i in issues]
    assert sorted(found) == sorted(expected), [(i.address, i.rule, i.message) for i in issues]
    assert all(i.sheet == "Orders" and i.row == int(i.cell[1:]) for i in issues)

"""Order-line pricing and FX: half-up cents, tax per line or once per order, the rate on or
before the order date, a missing rate reported once at the Currency cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from stock_records import D, Sheets, run

from engine.fx import rate_book, rates_from_table
from engine.money import round_money
from engine.pricing import TOTAL, LinePrice, price_line, price_orders
from engine.schema import FX_RATES
from engine.stock_ledger import Status
from engine.tables import Table

RATES = rate_book([("USD", date(2026, 10, 1), D("5.40")), ("usd ", date(2026, 10, 15), D("5.45")),
                   ("EUR", date(2026, 9, 30), D("6.10")), ("USD", date(2026, 10, 15), D("9.99"))],
                  "BRL")


def test_line_amounts_round_half_up_to_cents():
    assert price_line(D(1), D("2.675")) == LinePrice(D("2.68"), D("0.00"), D("2.68"))
    # 4 x 99.90 x 0.95 = 379.62; tax 10% = 37.962 -> 37.96
    assert price_line(D(4), D("99.9"), D("0.05"), D("0.1")) == LinePrice(D("379.62"), D("37.96"),
                                                                         D("417.58"))
    # 7 x 4.25 x 0.95 = 28.2625 -> 28.26; x 18% = 5.0868 -> 5.09
    assert price_line(D(7), D("4.25"), D("0.05"), D("0.18")) == LinePrice(D("28.26"), D("5.09"),
                                                                         D("33.35"))
    # Net 0.005 -> 0.01 (half up); Tax is on the rounded Net: 0.01 x 50% = 0.005 -> 0.01
    assert price_line(D("0.5"), D("0.01"), D(0), D("0.5")) == LinePrice(D("0.01"), D("0.01"),
                                                                         D("0.02"))


def test_tax_rounded_once_per_order_differs_from_per_line():
    s = Sheets()
    lines = [s.order("SO-1", 3, "A", 1, "0.05", line=n, tax="0.1") for n in (1, 2, 3)]
    lines.append(s.order("SO-2", 3, "A", 1, "0.05", tax="0.1"))
    per_line = price_orders(lines, RATES)
    per_order = price_orders(lines, RATES, TOTAL)
    taxes = [per_line.priced[ln.source.key].price.tax for ln in lines]
    assert taxes == [D("0.01")] * 4  # each 0.005 rounds up on its own: SO-1 pays 0.03
    # SO-1's tax is 0.015 -> 0.02 once; the lines take the steps of the rounded running total:
    # 0.005 -> 0.01, 0.010 -> 0.01, 0.015 -> 0.02
    taxes = [per_order.priced[ln.source.key].price.tax for ln in lines]
    assert taxes == [D("0.01"), D("0.00"), D("0.01"), D("0.01")]
    assert [per_order.priced[ln.source.key].price.total for ln in lines] == \
        [D("0.06"), D("0.05"), D("0.06"), D("0.06")]


@settings(max_examples=80, deadline=None, database=None)
@given(st.lists(st.tuples(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
                          st.decimals(min_value=Decimal(0), max_value=Decimal(500), places=4),
                          st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=4)),
                min_size=1, max_size=8))
def test_per_order_tax_adds_up_to_the_orders_rounded_tax(values):
    s = Sheets()
    lines = [s.order("SO-1", 3, "A", q, p, line=n, tax=t) for n, (q, p, t) in enumerate(values)]
    priced = price_orders(lines, RATES, TOTAL).priced
    per_line = price_orders(lines, RATES).priced
    assert [per_line[ln.source.key].price for ln in lines] == \
        [price_line(D(q), D(p), D(0), D(t)) for q, p, t in values]
    nets = [priced[ln.source.key].price.net for ln in lines]
    exact = [net * t for net, (_, _, t) in zip(nets, values, strict=True)]
    taxes = [priced[ln.source.key].price.tax for ln in lines]
    assert sum(taxes) == round_money(sum(exact))
    assert all(abs(tax - e) < D("0.01") for tax, e in zip(taxes, exact, strict=True))


def test_functional_total_uses_the_rate_on_or_before_the_order_date():
    s = Sheets()
    lines = [s.order("SO-1", 1, "A", 1, "10.01", currency="USD"),   # 10-01: 5.40
             s.order("SO-2", 14, "A", 1, "10.01", currency="USD"),  # still 5.40
             s.order("SO-3", 15, "A", 1, "10.01", currency="USD"),  # 5.45 from that day
             s.order("SO-4", 3, "A", 1, "10.01", currency="EUR"),   # 09-30's 6.10
             s.order("SO-5", 3, "A", 1, "10.01"),                   # blank: functional
             s.order("SO-6", 3, "A", 1, "10.01", currency="BRL")]
    outcome = run([Sheets().item("A", 10, 1)], [], lines, rates=RATES)
    # 10.01 x 5.40 = 54.054; x 5.45 = 54.5545; x 6.10 = 61.061
    assert [(o.currency, o.total_functional) for o in outcome.orders] == [
        ("USD", D("54.05")), ("USD", D("54.05")), ("USD", D("54.55")), ("EUR", D("61.06")),
        ("BRL", D("10.01")), ("BRL", D("10.01"))]
    assert RATES.rate("usd", date(2026, 10, 15)) == D("5.45")  # the first of two rates that day


def test_a_missing_rate_is_an_issue_at_the_currency_cell_not_a_guess():
    s = Sheets()
    lines = [s.order("SO-1", 3, "A", 2, 5, currency="GBP"), s.order("SO-2", 3, "A", 2, 5)]
    outcome = run([Sheets().item("A", 10, 1)], [], lines, rates=RATES)
    (issue,) = outcome.issues
    assert (issue.sheet, issue.cell, issue.row, issue.column, issue.rule, issue.value) == (
        "Orders", "J2", 2, "Currency", "fx.missing_rate", "GBP")
    assert issue.message == "No GBP rate on or before 2026-10-03 in FX Rates; add the rate for that date."
    missing, priced = outcome.orders
    assert (missing.status, missing.reason, missing.total_functional, missing.allocated) == (
        Status.REJECTED, issue.message, None, D(0))
    assert (priced.status, priced.allocated, priced.total_functional) == (
        Status.FULFILLED, D(2), D("10.00"))


def test_a_rate_missing_before_the_first_one_is_reported_by_validation_only():
    s = Sheets()
    line = s.order("SO-1", 1, "A", 1, 5, currency="EUR")
    early = line.__class__(line.source, "SO-1", date(2026, 9, 29), "A", D(1), D(5), currency="EUR")
    assert RATES.rate("EUR", date(2026, 9, 29)) is None
    already = {("Orders", 2): "No EUR rate on or before 2026-09-29 in FX Rates; add the rate."}
    pricing = price_orders([early], RATES, rejected=already)
    assert (pricing.issues, pricing.priced, pricing.rejected) == ([], {}, {})


def test_rates_are_read_from_the_fx_rates_table():
    frame = pd.DataFrame({"Currency": ["USD", " eur", None, "USD"],
                          "Date": pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-02", None]),
                          "Rate": [5.4, 6.1, 1.0, 7.0]}, index=[2, 3, 4, 5])
    table = Table(FX_RATES, "Câmbio", 1, frame, {"Currency": "A", "Date": "B", "Rate": "C"})
    book = rates_from_table(table, "brl")
    assert (book.rate("USD", date(2026, 10, 9)), book.rate("EUR", date(2026, 10, 2)),
            book.rate("EUR", date(2026, 10, 1)), book.rate("BRL", date(2000, 1, 1))) == (
        D("5.4"), D("6.1"), None, D(1))
    assert rates_from_table(None, "BRL").rate("USD", date(2026, 10, 9)) is None

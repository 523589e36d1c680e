"""Aging invariants over random books (hypothesis), checked against a plain per-invoice loop:
outstanding = amount − the payments counted (matched, dated on or before the as-of day, invoice
not cut off); the buckets and the credit column add up to the outstanding total, per type and
currency and in functional currency; no bucket is ever negative; the forecast holds every
positive functional outstanding exactly once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.aging import AgingResult, age, bucket_of
from engine.aging_inputs import InvoiceInputs, PaymentInputs, arrow_text
from engine.cashflow import forecast
from engine.fx import rate_book

AS_OF = date(2026, 10, 31)
RATES = rate_book([("USD", date(2026, 1, 1), Decimal("5.4321"))], "BRL")
PARTIES = ("Acme", "acme", "Beta S.A.", "Gama")  # "acme" is Acme: compared case-insensitively
BUCKETS = st.sampled_from([(30, 60, 90, 120), (15,), (7, 14, 28, 56, 112, 224)])

invoice = st.tuples(st.sampled_from(("AR", "AP")), st.sampled_from(PARTIES), st.integers(1, 6),
                    st.integers(-60, 20), st.integers(0, 200), st.integers(0, 10**9),
                    st.sampled_from(("BRL", "USD")))
payment = st.tuples(st.integers(0, 12), st.integers(-90, 40), st.integers(1, 10**9))


def _day(offset: int) -> np.datetime64:
    return np.datetime64(AS_OF + timedelta(days=offset), "D")


def build(invoices: list[tuple], payments: list[tuple]) -> tuple[InvoiceInputs, PaymentInputs]:
    """Invoice numbers 1..6 repeat across parties; a payment names invoice `k` of the list
    (k beyond it: no such invoice)."""
    text = lambda values: arrow_text(pd.Series(values, dtype=object))  # noqa: E731
    inv = InvoiceInputs(
        text([i[0] for i in invoices]), text([f"N{i[2]}" for i in invoices]), text([i[1] for i in invoices]),
        np.array([_day(i[3]) for i in invoices], dtype="datetime64[D]"),
        np.array([_day(i[3] + i[4]) for i in invoices], dtype="datetime64[D]"),
        np.array([i[5] for i in invoices], dtype=np.int64), np.zeros(len(invoices), dtype=np.int64),
        text([i[6] for i in invoices]), np.arange(2, len(invoices) + 2, dtype=np.int64))
    nobody = ("AR", "Nobody", 1, 0, 0, 0, "BRL")
    target = [invoices[k] if k < len(invoices) else nobody for k, _, _ in payments]
    pay = PaymentInputs(
        text([t[0] for t in target]), text([f"N{t[2]}" for t in target]), text([t[1] for t in target]),
        np.array([_day(p[1]) for p in payments], dtype="datetime64[D]"),
        np.array([p[2] for p in payments], dtype=np.int64), text([""] * len(payments)),
        np.arange(2, len(payments) + 2, dtype=np.int64))
    return inv, pay


def expected_outstanding(invoices: list[tuple], payments: list[tuple]) -> dict[int, int]:
    """Per invoice position in scope: amount − counted payments, the slow obvious way."""
    first: dict[tuple, int] = {}
    for at, (kind, party, number, *_rest) in enumerate(invoices):
        first.setdefault((kind, party.lower(), number), at)
    paid: dict[int, int] = defaultdict(int)
    for k, offset, amount in payments:
        if k < len(invoices) and offset <= 0:
            kind, party, number, *_ = invoices[k]
            paid[first[(kind, party.lower(), number)]] += amount
    return {at: i[5] - paid[at] for at, i in enumerate(invoices) if i[3] <= 0}


@settings(max_examples=60, deadline=None)
@given(st.lists(invoice, max_size=25), st.lists(payment, max_size=30), BUCKETS)
def test_outstanding_is_amount_minus_counted_payments_and_buckets_add_up(invoices, payments, buckets):
    result = age(*build(invoices, payments), AS_OF, RATES, buckets)
    expected = expected_outstanding(invoices, payments)
    rows = (result.status["Source Row"] - 2).tolist()
    assert rows == sorted(expected)
    assert result.status["Outstanding"].tolist() == [expected[at] for at in rows]
    for at, out, label, days in zip(rows, result.status["Outstanding"], result.status["Bucket"],
                                    result.status["Days Past Due"], strict=True):
        assert days == -(invoices[at][3] + invoices[at][4])
        assert label == ("Credit" if out < 0 else "Paid" if out == 0 else bucket_of(days, buckets))
    _tables_add_up(result)


def _tables_add_up(result: AgingResult) -> None:
    frame = result.status
    for kind in ("AR", "AP"):
        mine = frame[frame["Type"] == kind]
        table = result.in_currency[kind]
        assert (table.cents[:, :-1] >= 0).all() and (table.cents[:, -1] <= 0).all()
        for code, totals in table.totals().items():
            outstanding = mine.loc[mine["Currency"] == code, "Outstanding"]
            assert totals[-1] == outstanding.sum()
            assert totals[:-2].sum() == outstanding[outstanding > 0].sum()
            assert totals[-2] == outstanding[outstanding < 0].sum()
        functional = result.in_functional[kind]
        total = functional.totals().get("BRL", np.zeros(1, dtype=np.int64))[-1]
        assert total == mine["Outstanding (functional)"].sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(invoice, max_size=25), st.lists(payment, max_size=30))
def test_functional_amounts_are_each_invoice_at_the_as_of_rate_and_the_forecast_holds_them_once(
        invoices, payments):
    result = age(*build(invoices, payments), AS_OF, RATES)
    rate = Decimal("5.4321")
    for out, code, functional in zip(result.status["Outstanding"], result.status["Currency"],
                                     result.status["Outstanding (functional)"], strict=True):
        exact = Decimal(int(out)) * (rate if code == "USD" else 1)
        assert functional == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    cash = forecast(result)
    positive = result.status[result.status["Outstanding (functional)"] > 0]
    for kind, weekly, later in (("AR", cash.receipts, cash.later_receipts),
                                ("AP", cash.payments, cash.later_payments)):
        mine = positive.loc[positive["Type"] == kind, "Outstanding (functional)"]
        assert weekly.sum() + later == mine.sum()
    assert cash.cumulative[-1] == cash.receipts.sum() - cash.payments.sum()

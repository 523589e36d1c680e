"""Aging of receivables (AR) and payables (AP) as of the last day of the Period.

workbook-spec.md, "Rules that define the numbers": outstanding = Amount − payments dated on or
before the as-of day; invoices issued after it are left out (cut-off); days past due = as-of −
Due Date; ≤ 0 → Current, then 1-30, 31-60, 61-90, 91-120, 120+ (Config Aging Buckets).

Everything is vectorised over int64 cents, so it is exact and 200,000 invoices with 200,000
payments take a fraction of a second. A payment belongs to the first invoice row with its
Type, Party and Invoice No (compared as validation compares them). A payment in another
currency than its invoice's settles it at the two currencies' rates on the payment date.
An invoice in another currency is aged in its currency and converted at the as-of rate for the
functional totals; with no rate it stays out of them (validation has reported fx.missing_rate:
a rate on or before the issue date is also one on or before the as-of day). An overpaid
invoice is a credit balance: its own column, never a negative bucket.

Issues this flow adds (the rest is validation's): payment.before_invoice, aging.credit_balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.aging_buckets import (
    DEFAULT_BUCKETS,
    as_of_date,
    bucket_index,
    bucket_labels,
    bucket_of,
    parse_buckets,
)
from engine.aging_inputs import BoolArray, InvoiceInputs, PaymentInputs, arrow
from engine.checker import normalised
from engine.fx import RateBook, convert_cents
from engine.issues import Issue
from engine.money import Int64Array, from_cents, round_money
from engine.rules import rule

CREDIT, PAID = "Credit", "Paid"
TYPES = ("AR", "AP")
__all__ = ["DEFAULT_BUCKETS", "AgingResult", "AgingTable", "age", "as_of_date", "bucket_index",
           "bucket_labels", "bucket_of", "match_payments", "parse_buckets", "pivot"]
STATUS_COLUMNS = ("Type", "Invoice No", "Party", "Due Date", "Amount", "Paid", "Outstanding",
                  "Days Past Due", "Bucket")  # the Invoice Status sheet, then what the engine adds:
EXTRA_COLUMNS = ("Issue Date", "Currency", "Outstanding (functional)", "Rate Missing", "Source Row",
                 "Bucket Index")


@dataclass(frozen=True)
class AgingTable:
    """Outstanding per party (and currency) and column: the buckets, then Credit.
    `cents[i, j]` is row i's amount in column j, in `currencies[i]`."""

    kind: str
    labels: tuple[str, ...]
    parties: tuple[str, ...]
    currencies: tuple[str, ...]
    cents: Int64Array

    @property
    def row_totals(self) -> Int64Array:
        """Each row's Total (buckets + credit: what the party owes, net)."""
        return np.asarray(self.cents.sum(axis=1), dtype=np.int64)

    def totals(self) -> dict[str, Int64Array]:
        """Per currency, each column's total then the Total."""
        out: dict[str, Int64Array] = {}
        for code in sorted(set(self.currencies)):
            mine = np.asarray(self.currencies) == code
            columns = self.cents[mine].sum(axis=0).astype(np.int64)
            out[code] = np.append(columns, columns.sum()).astype(np.int64)
        return out

    def header(self, with_currency: bool = False) -> list[str]:
        """Party, [Currency,] the bucket labels, Credit, Total."""
        return ["Party", *(["Currency"] if with_currency else []), *self.labels, "Total"]

    def rows(self, with_currency: bool = False) -> list[list[object]]:
        """The table as values (Decimal amounts), then one "Total" row per currency."""
        out: list[list[object]] = []
        for i, party in enumerate(self.parties):
            amounts = [from_cents(int(c)) for c in (*self.cents[i], self.row_totals[i])]
            out.append([party, *([self.currencies[i]] if with_currency else []), *amounts])
        for code, total in self.totals().items():
            out.append(["Total", *([code] if with_currency else []), *(from_cents(int(c)) for c in total)])
        return out


@dataclass(frozen=True)
class AgingResult:
    """Everything the aging flow found. `status` has one row per invoice aged (sheet order),
    columns STATUS_COLUMNS + EXTRA_COLUMNS, money in int64 cents of the invoice's currency
    (Outstanding (functional) in the functional currency, 0 where the rate is missing).
    `in_currency` / `in_functional`: the party tables by Type ("AR", "AP"), in each invoice's
    currency (a row per party and currency) and converted at the as-of rate (a row per party;
    invoices of `missing_rates` currencies left out). The payment arrays hold the Excel rows of
    payments matching no invoice, dated after the as-of day, or not convertible to their
    invoice's currency (no rate on their date): none of them is counted. `sheet` is the
    invoices' sheet as named in the workbook ("Faturas"...): with Source Row, each status row's
    source cell."""

    as_of: date
    functional: str
    buckets: tuple[int, ...]
    status: pd.DataFrame
    in_currency: Mapping[str, AgingTable]
    in_functional: Mapping[str, AgingTable]
    missing_rates: tuple[str, ...]
    unmatched_payments: Int64Array
    later_payments: Int64Array
    unconverted_payments: Int64Array
    issues: list[Issue]
    sheet: str = "Invoices"

    @property
    def labels(self) -> tuple[str, ...]:
        """The bucket labels ("Current", "1-30"... "120+")."""
        return bucket_labels(self.buckets)


def age(invoices: InvoiceInputs, payments: PaymentInputs, as_of: date, rates: RateBook,
        buckets: tuple[int, ...] = DEFAULT_BUCKETS, locale: str = "en") -> AgingResult:
    """Age every invoice issued on or before `as_of` against the payments dated on or before it."""
    day = np.datetime64(as_of, "D")
    match = match_payments(invoices, payments)
    owner, matched = match.owner, match.owner >= 0
    settled, converted = _in_invoice_currency(invoices, payments, owner, rates)
    in_scope = invoices.issue_date <= day
    counted = matched & converted & (payments.date <= day)
    counted[matched] &= in_scope[owner[matched]]
    paid = np.zeros(len(invoices), dtype=np.int64)
    np.add.at(paid, owner[counted], settled[counted])
    at = np.flatnonzero(in_scope)
    aged = _Aged.of(invoices, paid, at, day, buckets, rates, as_of)
    names = (*bucket_labels(buckets), CREDIT)
    in_currency, in_functional = {}, {}
    for kind in TYPES:
        mine = (aged.kind == kind) & (aged.outstanding != 0)
        in_currency[kind] = pivot(kind, names, match.party[at][mine], match.party_names,
                                  aged.currency[mine], aged.currency_names, aged.column[mine],
                                  aged.outstanding[mine])
        known = mine & ~aged.missing
        in_functional[kind] = pivot(kind, names, match.party[at][known], match.party_names,
                                    np.zeros(int(known.sum()), dtype=np.int64), (rates.functional,),
                                    aged.column[known], aged.functional[known])
    status = aged.frame(invoices, paid, at, buckets)
    missing = tuple(sorted({aged.currency_names[c] for c in np.unique(aged.currency[aged.missing])}))
    issues = _before_invoice(invoices, payments, owner, locale) + _credits(invoices, status, as_of, locale)
    return AgingResult(
        as_of, rates.functional, buckets, status, in_currency, in_functional, missing,
        payments.row[~matched], payments.row[matched & (payments.date > day)],
        payments.row[matched & ~converted], issues, invoices.sheet)


@dataclass(frozen=True)
class Matching:
    """Each payment's invoice position (-1: none); each invoice's party code (alphabetical by
    the normalised party) and, per code, the party as first typed."""

    owner: Int64Array
    party: Int64Array
    party_names: tuple[str, ...]


def match_payments(invoices: InvoiceInputs, payments: PaymentInputs) -> Matching:
    """A payment belongs to the first invoice row with its Type, Party and Invoice No, compared
    as crosschecks.check_payments compares them (case, accents, spaces, punctuation ignored)."""
    n = len(invoices)
    party, party_names = _sorted_codes(_joined(invoices.party, payments.party))
    number, _ = _sorted_codes(_joined(invoices.invoice_no, payments.invoice_no), names=False)
    kind = _joined(invoices.kind, payments.kind)
    is_ap = pc.fill_null(pc.equal(kind, "AP"), False).to_numpy(zero_copy_only=False)
    key = (party * (int(number.max(initial=0)) + 1) + number) * 2 + is_ap
    key[(party < 0) | (number < 0) | kind.is_null().to_numpy(zero_copy_only=False)] = -1
    codes, uniques = pd.factorize(key)
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[codes[:n][::-1]] = np.arange(n, dtype=np.int64)[::-1]  # reversed: the first row wins
    owner = first[codes[n:]]
    owner[key[n:] < 0] = -1
    return Matching(owner, party[:n], party_names)


def _joined(*columns: pd.Series) -> pa.Array:
    return pa.concat_arrays([pc.cast(arrow(c), pa.string()) for c in columns])


def _sorted_codes(values: pa.Array, names: bool = True) -> tuple[Int64Array, tuple[str, ...]]:
    """Codes of the values' normalised keys (engine.checker.normalised), in alphabetical order
    of the keys (-1 for blank) and, with `names`, per code the first spelling. Each distinct
    spelling is normalised once."""
    encoded = values.dictionary_encode()
    spellings = pd.Series(pd.arrays.ArrowExtensionArray(encoded.dictionary))
    keys = arrow(normalised(spellings))
    key_codes, uniques = pd.factorize(pd.Series(pd.arrays.ArrowExtensionArray(keys)))
    rank = np.arange(len(uniques), dtype=np.int64)
    if names:  # alphabetical codes, for the tables' row order (a number needs no order)
        order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
        rank[order] = np.arange(len(order), dtype=np.int64)
    per_spelling = np.where(key_codes >= 0, rank[np.maximum(key_codes, 0)], -1).astype(np.int64)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    blank = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    codes = np.where(blank, -1, per_spelling[np.where(blank, 0, indices).astype(np.int64)] if
                     len(per_spelling) else -1).astype(np.int64)
    if not names:
        return codes, ()
    first = np.zeros(len(rank), dtype=np.int64)
    valid = np.flatnonzero(codes >= 0)
    first[codes[valid][::-1]] = valid[::-1]
    return codes, tuple(str(name) for name in values.take(pa.array(first)).to_pylist())


def _in_invoice_currency(invoices: InvoiceInputs, payments: PaymentInputs, owner: Int64Array,
                         rates: RateBook) -> tuple[Int64Array, BoolArray]:
    """Each payment in its invoice's currency, and whether it could be converted. A payment in
    another currency settles amount × its rate / the invoice currency's rate on its date."""
    settled = payments.amount.copy()
    converted = np.ones(len(payments), dtype=bool)
    matched = owner >= 0
    own = arrow(payments.currency)
    theirs = arrow(invoices.currency).take(pa.array(owner, mask=~matched))  # null: no invoice
    differs = pc.and_(pc.not_equal(own, ""), pc.not_equal(own, theirs))
    foreign = np.flatnonzero(matched & pc.fill_null(differs, False).to_numpy(zero_copy_only=False))
    chosen = pa.array(foreign)
    for at, paid_in, invoice_in in zip(foreign, own.take(chosen).to_pylist(),
                                       theirs.take(chosen).to_pylist(), strict=True):
        on = payments.date[at].astype(date)
        paid_rate, invoice_rate = rates.rate(str(paid_in), on), rates.rate(str(invoice_in), on)
        if paid_rate is None or invoice_rate is None:
            converted[at] = False
            continue
        amount = Decimal(int(payments.amount[at])) / 100 * paid_rate / invoice_rate
        settled[at] = int(round_money(amount) * 100)
    return settled, converted


@dataclass(frozen=True)
class _Aged:
    """The invoices in scope (positions `at`), aged: arrays aligned with `at`."""

    kind: npt.NDArray[np.str_]
    outstanding: Int64Array
    days: Int64Array
    column: Int64Array
    currency: Int64Array
    currency_names: tuple[str, ...]
    functional: Int64Array
    missing: BoolArray

    @classmethod
    def of(cls, invoices: InvoiceInputs, paid: Int64Array, at: Int64Array, day: np.datetime64,
           buckets: tuple[int, ...], rates: RateBook, as_of: date) -> _Aged:
        outstanding = invoices.amount[at] - paid[at]
        days = (day - invoices.due_date[at]).astype(np.int64)
        credit = len(buckets) + 2  # after Current, the buckets and the last (open-ended) one
        column = np.where(outstanding < 0, credit,
                          np.where(outstanding == 0, credit + 1, bucket_index(days, buckets)))
        kind = np.where((invoices.kind == "AP").to_numpy(dtype=bool, na_value=False)[at], "AP", "AR")
        codes, names = _sorted_codes(arrow(invoices.currency))
        functional, missing = _to_functional(outstanding, codes[at], names, rates, as_of)
        return cls(kind, outstanding, days, column.astype(np.int64), codes[at], names, functional, missing)

    def frame(self, invoices: InvoiceInputs, paid: Int64Array, at: Int64Array,
              buckets: tuple[int, ...]) -> pd.DataFrame:
        """The Invoice Status rows (money in cents) and what the engine adds (EXTRA_COLUMNS)."""
        labels = (*bucket_labels(buckets), CREDIT, PAID)
        return pd.DataFrame({
            "Type": self.kind, "Invoice No": _take(invoices.invoice_no, at),
            "Party": _take(invoices.party, at), "Due Date": invoices.due_date[at],
            "Amount": invoices.amount[at], "Paid": paid[at], "Outstanding": self.outstanding,
            "Days Past Due": self.days, "Bucket": pd.Categorical.from_codes(self.column, pd.Index(labels)),
            "Issue Date": invoices.issue_date[at], "Currency": _take(invoices.currency, at),
            "Outstanding (functional)": self.functional, "Rate Missing": self.missing,
            "Source Row": invoices.row[at], "Bucket Index": self.column,
        })


def _take(values: pd.Series, at: Int64Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(arrow(values).take(pa.array(at))))


def _to_functional(outstanding: Int64Array, currency: Int64Array, names: tuple[str, ...],
                   rates: RateBook, as_of: date) -> tuple[Int64Array, BoolArray]:
    """Outstanding at the as-of rate, rounded per invoice (so the tables add up to the
    Invoice Status rows); 0 and flagged where the currency has no rate."""
    functional = outstanding.copy()
    missing = np.zeros(len(outstanding), dtype=bool)
    for code in np.unique(currency):
        if names[code] == rates.functional:
            continue
        mine = currency == code
        rate = rates.rate(names[code], as_of)
        if rate is None:
            missing[mine], functional[mine] = True, 0
        else:
            functional[mine] = convert_cents(outstanding[mine], rate)
    return functional, missing


def pivot(kind: str, labels: tuple[str, ...], party: Int64Array, party_names: tuple[str, ...],
          currency: Int64Array, currency_names: tuple[str, ...], column: Int64Array,
          cents: Int64Array) -> AgingTable:
    """Sum `cents` per (party, currency) row and column; rows in the codes' order
    (alphabetical)."""
    width, currencies = len(labels), max(len(currency_names), 1)
    present, row = np.unique(party * currencies + currency, return_inverse=True)
    sums = np.zeros(len(present) * width, dtype=np.int64)
    np.add.at(sums, row * width + column, cents)
    return AgingTable(kind, labels, tuple(party_names[p] for p in present // currencies),
                      tuple(currency_names[c] for c in present % currencies),
                      sums.reshape(len(present), width))


def _before_invoice(invoices: InvoiceInputs, payments: PaymentInputs, owner: Int64Array,
                    locale: str) -> list[Issue]:
    """payment.before_invoice: a payment dated before its invoice's Issue Date (a warning: an
    advance, or a wrong date or invoice number)."""
    matched = np.flatnonzero(owner >= 0)
    early = matched[payments.date[matched] < invoices.issue_date[owner[matched]]]
    the_rule, issues = rule("payment.before_invoice"), []
    numbers = arrow(invoices.invoice_no).take(pa.array(owner[early])).to_pylist()
    issued = invoices.issue_date[owner[early]].astype(str)
    for at, number, issue_day in zip(early, numbers, issued, strict=True):
        row, shown = int(payments.row[at]), str(payments.date[at])
        message = the_rule.message(locale, column="Payment Date", value=shown,
                                   detail=f"{number} ({issue_day})")
        issues.append(Issue(payments.sheet, payments.cell("Payment Date", row), row, "Payment Date",
                            the_rule.id, the_rule.severity, message, shown))
    return issues


def _credits(invoices: InvoiceInputs, status: pd.DataFrame, as_of: date, locale: str) -> list[Issue]:
    """aging.credit_balance: an invoice paid above its amount by the as-of day, shown apart."""
    the_rule, issues = rule("aging.credit_balance"), []
    over = status[status["Outstanding"].to_numpy() < 0]
    for number, row, cents, code in zip(over["Invoice No"].tolist(), over["Source Row"].tolist(),
                                        over["Outstanding"].tolist(), over["Currency"].tolist(), strict=True):
        detail = f"{code} {money_text(from_cents(-cents), locale)} ({as_of.isoformat()})"
        issues.append(Issue(invoices.sheet, invoices.cell("Amount", row), row, "Amount",
                            the_rule.id, the_rule.severity,
                            the_rule.message(locale, column="Amount", value=number, detail=detail),
                            str(number)))
    return issues


def money_text(amount: Decimal, locale: str) -> str:
    """Decimal("1234.5") -> "1,234.50" (en) or "1.234,50" (pt-BR)."""
    text = f"{amount:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if locale == "pt-BR" else text


def _day(value: np.datetime64) -> str:
    return str(value.astype("datetime64[D]"))

"""From the flows' results to journal entries (workbook-spec.md, Journal; issue 13).

One builder per source, each records in, entries out, with its issues as values:

- AR invoices: Dr receivables (gross); Cr revenue (net of tax), output tax. Revenue comes from
  AR invoices, never from orders. AP bills: Dr the bill's Account (or purchases) net, input
  tax; Cr payables gross.
- Payments: cash against receivables/payables. The receivable/payable is relieved at the rate
  its invoice was posted at; the difference to the cash at the payment's rate is a realised
  FX gain or loss.
- Stock (the ledger rows of the period): receipts Dr inventory / Cr goods received not invoiced;
  ADJ and OUT against stock adjustments; order lines Dr COGS / Cr inventory.
- Payroll, per employee: Dr salaries; Cr INSS, IRRF, other deductions, net pay payable; employer
  costs (FGTS and the Config rate) Dr expense / Cr payable.
- FX revaluation: each open foreign-currency invoice restated at the period-end rate (its
  outstanding amount at that rate, as the aging reports it, less what it is carried at).

Foreign amounts are first posted at the rate on or before their date (engine.fx); each
amount is converted once and rounded half-up, and an entry's last leg takes what the others
leave, so it balances to the cent. What is dated before the period was posted in its own
period; what is dated after it is cut off (invoices so left out are listed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from engine.accounts import Chart
from engine.aging import match_payments
from engine.aging_inputs import InvoiceInputs, PaymentInputs
from engine.fx import RateBook
from engine.issues import Issue
from engine.journal import (
    AP_BILL,
    AR_INVOICE,
    COGS,
    EMPLOYER_COSTS,
    FX_REVALUATION,
    PAYMENT,
    PAYROLL,
    RECEIPT,
    STOCK_ADJUSTMENT,
    STOCK_ISSUE,
    STOCK_RECEIPT,
    CutOff,
    Entry,
    Journal,
    Origin,
    entry,
    pair,
)
from engine.money import from_cents, to_cents
from engine.payroll_result import PayrollResult
from engine.rules import rule
from engine.settings import Period
from engine.stock import StockOutcome
from engine.stock_ledger import OPENING, SALE, LedgerRow

_ONE = Decimal(1)


@dataclass(frozen=True)
class PostingInputs:
    """What the journal is built from: the flows' records and results for one period.
    `invoice_accounts` maps an Invoices row to its Account cell's text (AP bills)."""

    period: Period
    chart: Chart
    rates: RateBook
    invoices: InvoiceInputs
    payments: PaymentInputs
    stock: StockOutcome | None = None
    payroll: PayrollResult | None = None
    invoice_accounts: Mapping[int, str] = field(default_factory=dict)
    locale: str = "en"


def build_journal(inputs: PostingInputs) -> Journal:
    """Every entry of the period, ordered and numbered, with the issues and the cut-off."""
    books = _Books(inputs)
    books.invoices()
    books.payments()
    books.revaluation()
    if inputs.stock is not None:
        books.stock(inputs.stock.ledger)
    if inputs.payroll is not None:
        books.payroll(inputs.payroll)
    return Journal.of(str(inputs.period), books.entries, books.issues, books.cutoff)


def convert(cents: int, rate: Decimal) -> int:
    """cents × rate, rounded half-up to a cent."""
    if rate == _ONE:
        return cents
    return int((Decimal(cents) * rate).quantize(_ONE, rounding=ROUND_HALF_UP))


class _Books:
    """The builders' shared state: inputs, the entries so far, issues and the cut-off list."""

    def __init__(self, inputs: PostingInputs) -> None:
        self.inputs, self.chart = inputs, inputs.chart
        self.first, self.last = inputs.period.first_day, inputs.period.last_day
        self.entries: list[Entry] = []
        self.issues: list[Issue] = []
        self.cutoff: list[CutOff] = []
        inv = inputs.invoices
        self.issue_day = [_day(d) for d in inv.issue_date]
        self.currency = [str(c) for c in inv.currency.tolist()]
        self.number = [str(n) for n in inv.invoice_no.tolist()]
        self.kind = [str(k) for k in inv.kind.tolist()]
        self.rows = [int(r) for r in inv.row]
        self.posting_rate = [inputs.rates.rate(c, d) for c, d in zip(self.currency, self.issue_day,
                                                                      strict=True)]
        self.settled: list[list[int]] = [[] for _ in self.rows]  # per invoice, paid by the end

    def add(self, made: Entry | None) -> None:
        if made is not None:
            self.entries.append(made)

    def role(self, name: str) -> str:
        return self.chart.account(name)

    def invoice_origin(self, i: int) -> Origin:
        inv = self.inputs.invoices
        return Origin(inv.sheet, inv.cell("Invoice No", self.rows[i]) or f"A{self.rows[i]}")

    def no_rate(self, sheet: str, cell: str, row: int, column: str, currency: str, day: date) -> None:
        the_rule = rule("journal.no_rate")
        self.issues.append(Issue(sheet, cell, row, column, the_rule.id, the_rule.severity,
                                 the_rule.message(self.inputs.locale, column=column,
                                                  value=day.isoformat(), detail=currency),
                                 day.isoformat()))

    # ------------------------------------------------------------------ invoices

    def invoices(self) -> None:
        inv = self.inputs.invoices
        amounts, taxes = inv.amount.tolist(), inv.tax.tolist()
        parties = [str(p) for p in inv.party.tolist()]
        for i, day in enumerate(self.issue_day):
            origin = self.invoice_origin(i)
            if day > self.last:
                self.cutoff.append(CutOff(self.kind[i], self.number[i], parties[i], day,
                                          from_cents(amounts[i]), self.currency[i], origin))
                continue
            if day < self.first:
                continue
            rate = self.posting_rate[i]
            if rate is None:
                self.no_rate(inv.sheet, inv.cell("Issue Date", self.rows[i]), self.rows[i],
                             "Issue Date", self.currency[i], day)
                continue
            gross, tax = convert(amounts[i], rate), convert(taxes[i], rate)
            memo = f"{parties[i]} {self.number[i]}"
            if self.kind[i] == "AR":
                self.add(entry(day, AR_INVOICE, self.number[i], memo, origin,
                               (self.role("receivables"), gross), (self.role("output_tax"), -tax),
                               (self.role("revenue"), tax - gross)))
            else:
                account = self.inputs.invoice_accounts.get(self.rows[i]) or self.role("purchases")
                self.add(entry(day, AP_BILL, self.number[i], memo, origin,
                               (self.role("input_tax"), tax), (account, gross - tax),
                               (self.role("payables"), -gross)))

    # ------------------------------------------------------------------ payments

    def payments(self) -> None:
        pay, rates = self.inputs.payments, self.inputs.rates
        owner = match_payments(self.inputs.invoices, pay).owner.tolist()
        amounts, currencies = pay.amount.tolist(), [str(c) for c in pay.currency.tolist()]
        for j, (i, cents, own) in enumerate(zip(owner, amounts, currencies, strict=True)):
            day, row = _day(pay.date[j]), int(pay.row[j])
            if i < 0 or day > self.last or self.issue_day[i] > self.last:
                continue  # unmatched (validation's issue), or after the period end: not yet
            theirs = self.currency[i]
            paid_in = own or theirs
            paid_rate, invoice_rate = rates.rate(paid_in, day), rates.rate(theirs, day)
            if paid_rate is None or invoice_rate is None or self.posting_rate[i] is None:
                if day >= self.first:
                    self.no_rate(pay.sheet, pay.cell("Payment Date", row), row, "Payment Date",
                                 paid_in if paid_rate is None else theirs, day)
                continue
            settled = cents if paid_in == theirs else to_cents(
                Decimal(cents) / 100 * paid_rate / invoice_rate)
            self.settled[i].append(settled)
            if day >= self.first:
                self.payment(i, day, convert(cents, paid_rate),
                             convert(settled, self.posting_rate[i] or _ONE),
                             Origin(pay.sheet, pay.cell("Amount", row) or f"A{row}"))

    def payment(self, i: int, day: date, cash: int, carried: int, origin: Origin) -> None:
        """Cash at the payment's rate against the invoice's balance at its posting rate."""
        difference = cash - carried  # AR: more cash than carried is a gain; AP: a loss
        memo = f"{self.number[i]} paid"
        if self.kind[i] == "AR":
            fx = self.role("fx_gain") if difference > 0 else self.role("fx_loss")
            self.add(entry(day, RECEIPT, self.number[i], memo, origin,
                           (self.role("cash"), cash), (self.role("receivables"), -carried),
                           (fx, -difference)))
        else:
            fx = self.role("fx_loss") if difference > 0 else self.role("fx_gain")
            self.add(entry(day, PAYMENT, self.number[i], memo, origin,
                           (self.role("payables"), carried), (fx, difference),
                           (self.role("cash"), -cash)))

    # ------------------------------------------------------------------ FX revaluation

    def revaluation(self) -> None:
        """Open foreign invoices at the period-end rate: the target is the outstanding amount
        converted at that rate (the aging's functional figure); what it is carried at is its
        posting less its payments, each at the posting rate."""
        rates, functional = self.inputs.rates, self.inputs.rates.functional
        amounts = self.inputs.invoices.amount.tolist()
        for i, day in enumerate(self.issue_day):
            rate, code = self.posting_rate[i], self.currency[i]
            if code == functional or day > self.last or rate is None:
                continue
            end_rate = rates.rate(code, self.last)
            if end_rate is None:
                continue
            outstanding = amounts[i] - sum(self.settled[i])
            carried = convert(amounts[i], rate) - sum(convert(s, rate) for s in self.settled[i])
            change = convert(outstanding, end_rate) - carried
            if not change:
                continue
            memo = f"{self.number[i]} {code} at {end_rate} (posted at {rate})"
            if self.kind[i] == "AR":
                fx = self.role("fx_gain") if change > 0 else self.role("fx_loss")
                legs = ((self.role("receivables"), change), (fx, -change))
            else:
                fx = self.role("fx_loss") if change > 0 else self.role("fx_gain")
                legs = ((fx, change), (self.role("payables"), -change))
            self.add(entry(self.last, FX_REVALUATION, self.number[i], memo,
                           self.invoice_origin(i), *legs))

    # ------------------------------------------------------------------ stock

    def stock(self, ledger: list[LedgerRow]) -> None:
        inventory, adjustment = self.role("inventory"), self.role("stock_adjustment")
        grni, cogs = self.role("goods_received_not_invoiced"), self.role("cogs")
        first, last = self.first, self.last
        for row in ledger:
            day = row.date
            if day is None or row.kind == OPENING or not first <= day <= last:
                continue
            value_in, value_out = to_cents(row.value_in), to_cents(row.value_out)
            source = row.source
            origin = Origin(source.sheet, source.cell("SKU") or f"A{source.row}") if source else None
            memo = f"{row.sku} {row.kind}"
            if row.kind == SALE:
                made = pair(day, COGS, row.reference, memo, origin, cogs, inventory, value_out)
            elif row.kind == "IN":
                made = pair(day, STOCK_RECEIPT, row.reference, memo, origin, inventory, grni,
                            value_in)
            else:
                kind = STOCK_ADJUSTMENT if row.kind == "ADJ" else STOCK_ISSUE
                made = pair(day, kind, row.reference, memo, origin, inventory, adjustment,
                            value_in - value_out)
            self.add(made)

    # ------------------------------------------------------------------ payroll

    def payroll(self, result: PayrollResult) -> None:
        data, day = result.data, self.last
        columns = [c.tolist() for c in (result.gross, result.inss, result.irrf,
                                         data.other_deductions, result.net_pay,
                                         result.employer_contributions)]
        salaries, inss_acc, irrf_acc = (self.role(r) for r in ("salaries", "social_security_payable",
                                                               "income_tax_payable"))
        other_acc, net_acc = self.role("deductions_payable"), self.role("net_pay_payable")
        expense, payable = (self.role("employer_contributions_expense"),
                            self.role("employer_contributions_payable"))
        for i, (gross, inss, irrf, other, net, employer) in enumerate(zip(*columns, strict=True)):
            origin = Origin(data.sheet, data.cell("Employee ID", i))
            employee = data.employee_id[i]
            memo = f"{employee} {data.name[i]}".strip()
            self.add(entry(day, PAYROLL, employee, memo, origin, (salaries, gross),
                           (inss_acc, -inss), (irrf_acc, -irrf), (other_acc, -other),
                           (net_acc, -net)))
            self.add(entry(day, EMPLOYER_COSTS, employee, memo, origin, (expense, employer),
                           (payable, -employer)))


def _day(value: np.datetime64) -> date:
    return date.fromisoformat(str(value.astype("datetime64[D]")))

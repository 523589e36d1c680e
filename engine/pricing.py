"""Order-line pricing: Net, Tax, Total in the order's currency, and Total in the functional one.

workbook-spec.md, "Rules that define the numbers": Net = round(Quantity × Unit Price ×
(1 − Discount)); Tax = round(Net × Tax Rate); Total = Net + Tax, half-up to cents. With Config
Tax Rounding = total the tax is rounded once per order: each line's Tax is then the change in the
rounded running tax of its order (lines in Line order), so the lines add up to exactly the
order's rounded tax and each is within a cent of its own unrounded tax.
Total (functional) = round(Total × rate), the rate being the latest on or before the Order Date.

Which lines are priced: every line that is not rejected (validation found an error on its row)
and has the values pricing needs. A line's missing FX rate is reported here only when
validation did not already reject the row (it reports fx.missing_rate itself when it can see the
FX Rates sheet): one issue per cell, never two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP as HALF_UP
from decimal import Decimal
from typing import NamedTuple

from engine.fx import RateBook, to_functional
from engine.issues import Issue
from engine.money import CENT, ZERO, round_money
from engine.stock_inputs import OrderLine, issue_at

ONE = Decimal(1)
ZERO_CENTS = Decimal("0.00")  # the tax of a line without one: what round_money(net x 0) gives
_new = tuple.__new__  # _new(LinePrice, values): a NamedTuple without its Python-level __new__
LINE, TOTAL = "line", "total"  # Config Tax Rounding
RowKey = tuple[str, int]


class LinePrice(NamedTuple):
    """A line's amounts in its own currency, in cents."""

    net: Decimal
    tax: Decimal
    total: Decimal


def net_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    """Net = round(Quantity × Unit Price × (1 − Discount))."""
    return round_money(quantity * unit_price * (ONE - discount))


def price_line(quantity: Decimal, unit_price: Decimal, discount: Decimal = ZERO,
               tax_rate: Decimal = ZERO) -> LinePrice:
    """One line priced on its own (Tax Rounding = line), as BO_ORDER_LINE shows it."""
    net = net_amount(quantity, unit_price, discount)
    tax = round_money(net * tax_rate)
    return LinePrice(net, tax, net + tax)


class PricedLine(NamedTuple):
    """A priced order line: its amounts, its currency code and the functional total."""

    price: LinePrice
    currency: str
    rate: Decimal
    total_functional: Decimal


@dataclass
class Pricing:
    """Pricing's answer: priced lines by source row, the lines it had to reject (with why) and
    the issues it found."""

    priced: dict[RowKey, PricedLine] = field(default_factory=dict)
    rejected: dict[RowKey, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


REQUIRED = ("Order Date", "SKU", "Quantity", "Unit Price")


def missing_values(line: OrderLine) -> list[str]:
    """The columns a line lacks for pricing and allocation (blank or unreadable)."""
    values = (line.order_date, line.sku_key or None, line.quantity, line.unit_price)
    return [column for column, value in zip(REQUIRED, values, strict=True) if value is None]


class _Ready(NamedTuple):
    """An accepted line with the values pricing needs, known to be present."""

    line: OrderLine
    key: RowKey
    quantity: Decimal
    unit_price: Decimal
    currency: str
    rate: Decimal


def price_orders(lines: Sequence[OrderLine], rates: RateBook, tax_rounding: str = LINE,
                 rejected: Mapping[RowKey, str] | None = None, locale: str = "en") -> Pricing:
    """Price every accepted line. `rejected` holds the rows validation found errors on (they are
    neither priced nor reported again); the answer's `rejected` adds the lines pricing refused."""
    already = rejected or {}
    result = Pricing()
    accepted: list[_Ready] = []
    known: dict[tuple[str, date], Decimal | None] = {}  # rates by (currency, day), looked up once
    for line in lines:
        source = line.source
        if not already or (source.sheet, source.row) not in already:
            ready = _ready(line, rates, locale, result, known)
            if ready is not None:
                accepted.append(ready)
    if tax_rounding == TOTAL:
        prices = _order_rounded(accepted)
        for ready in accepted:
            price = prices[ready.key]
            result.priced[ready.key] = PricedLine(price, ready.currency, ready.rate,
                                                  to_functional(price.total, ready.rate))
        return result
    priced = result.priced
    for line, key, quantity, unit_price, currency, rate in accepted:
        # Tax Rounding = line: price_line written out, tuples made by tuple.__new__ (the
        # NamedTuples' generated __new__ doubled the cost of these 100,000 lines)
        discount, tax_rate = line.discount, line.tax_rate
        net = (quantity * unit_price * (ONE - discount) if discount else
               quantity * unit_price).quantize(CENT, HALF_UP)
        tax = (net * tax_rate).quantize(CENT, HALF_UP) if tax_rate else ZERO_CENTS
        total = net + tax
        priced[key] = _new(PricedLine, (_new(LinePrice, (net, tax, total)), currency, rate,
                                        total if rate == ONE else
                                        (total * rate).quantize(CENT, HALF_UP)))
    return result


def _ready(line: OrderLine, rates: RateBook, locale: str, result: Pricing,
           known: dict[tuple[str, date], Decimal | None]) -> _Ready | None:
    """The line ready to price, or None after recording why it cannot be (issue + rejection)."""
    source = line.source
    if line.order_date is None or line.quantity is None or line.unit_price is None \
            or not line.sku_key:
        issue = issue_at(source, missing_values(line)[0], "value.required", locale, "")
    else:
        currency = line.currency or rates.functional
        asked = (currency, line.order_date)
        rate = known[asked] if asked in known else known.setdefault(asked, rates.rate(*asked))
        if rate is not None:
            return _new(_Ready, (line, (source.sheet, source.row), line.quantity,
                                 line.unit_price, currency, rate))
        issue = issue_at(source, "Currency", "fx.missing_rate", locale, currency,
                       line.order_date.isoformat())
    result.issues.append(issue)
    result.rejected[source.key] = issue.message
    return None


def _order_rounded(accepted: Iterable[_Ready]) -> dict[RowKey, LinePrice]:
    """Tax Rounding = total: the tax rounded once per order (and currency), shared out to the
    lines by rounding the running total, so the lines add up to the order's rounded tax."""
    orders: dict[tuple[object, str], list[_Ready]] = {}
    for ready in accepted:
        orders.setdefault((ready.line.order_key, ready.currency), []).append(ready)
    prices: dict[RowKey, LinePrice] = {}
    for order in orders.values():
        order.sort(key=lambda r: (r.line.line is None, r.line.line or 0, r.line.source.row))
        running, posted = ZERO, ZERO
        for ready in order:
            net = net_amount(ready.quantity, ready.unit_price, ready.line.discount)
            running += net * ready.line.tax_rate
            tax = round_money(running) - posted
            posted += tax
            prices[ready.key] = LinePrice(net, tax, net + tax)
    return prices

"""FX rates: the latest rate on or before a date, as an exact Decimal, or None when there is none.

workbook-spec.md, FX Rates: Rate = functional units per 1 unit of Currency; the latest rate on
or before a date applies. A missing rate is never guessed: `RateBook.rate` answers None and the
flow reports fx.missing_rate at the row's Currency cell (validation reports the usual case
first; see engine.pricing). The one FX lookup of every flow: stock and pricing convert Decimal
amounts (`to_functional`), the aging flow whole columns of int64 cents (`convert_cents`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

from engine.money import Int64Array, div_round_half_up, round_money
from engine.stock_inputs import date_or_none, decimal_or_none, text_or_blank
from engine.tables import Table

ONE = Decimal(1)


@dataclass(frozen=True)
class RateBook:
    """Rates per currency code, sorted by date. The functional currency (and a blank code)
    always converts at 1."""

    functional: str
    dates: dict[str, list[date]] = field(default_factory=dict)
    rates: dict[str, list[Decimal]] = field(default_factory=dict)

    def rate(self, currency: str, on: date) -> Decimal | None:
        """Functional units per 1 `currency` on `on`: the latest rate dated on or before it."""
        code = currency.strip().upper()
        if not code or code == self.functional:
            return ONE
        dates = self.dates.get(code)
        if not dates:
            return None
        at = bisect_right(dates, on)
        return self.rates[code][at - 1] if at else None


def rate_book(entries: Iterable[tuple[str, date, Decimal]], functional: str) -> RateBook:
    """A RateBook from (currency, date, rate) entries. When a currency has two rates on one
    date the first one counts (validation flags the later row as key.duplicate)."""
    by_code: dict[str, dict[date, Decimal]] = {}
    for currency, day, rate in entries:
        by_code.setdefault(currency.strip().upper(), {}).setdefault(day, rate)
    dates = {code: sorted(days) for code, days in by_code.items()}
    rates = {code: [by_code[code][d] for d in days] for code, days in dates.items()}
    return RateBook(functional.strip().upper(), dates, rates)


def rates_from_table(table: Table | None, functional: str) -> RateBook:
    """The FX Rates sheet as a RateBook. Rows without a currency, a date or a positive rate are
    left out (validation reports them at their cells)."""
    if table is None or not {"Currency", "Date", "Rate"} <= set(table.frame):
        return RateBook(functional.strip().upper())
    entries = []
    frame = table.frame
    for code, day, value in zip(frame["Currency"].tolist(), frame["Date"].tolist(),
                                frame["Rate"].tolist(), strict=True):
        currency, when, rate = text_or_blank(code), date_or_none(day), decimal_or_none(value)
        if currency and when is not None and rate is not None and rate > 0:
            entries.append((currency, when, rate))
    return rate_book(entries, functional)


def to_functional(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount converted at `rate`, rounded half-up to cents."""
    return round_money(amount * rate)


def convert_cents(cents: Int64Array, rate: Decimal) -> Int64Array:
    """cents × rate rounded half-up to cents, exactly (the column form of to_functional): the
    rate as an integer over a power of ten, int64 when it cannot overflow, Python integers
    otherwise."""
    sign, digits, exponent = rate.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite rate: {rate}")
    numerator = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    scale = 10 ** max(-exponent, 0)
    numerator *= 10 ** max(exponent, 0)
    biggest = int(np.abs(cents).max()) if len(cents) else 0
    if biggest * abs(numerator) < 2**62 and scale < 2**62:
        return div_round_half_up(cents * np.int64(numerator), scale)
    exact = [_half_up(int(c) * numerator, scale) for c in cents]
    return np.array(exact, dtype=np.int64)


def _half_up(numerator: int, denominator: int) -> int:
    magnitude = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude

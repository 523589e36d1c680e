"""FX Rates: the latest rate on or before a date, exact (workbook-spec.md, optional FX Rates).

A rate is functional units per 1 unit of the currency, kept as the Decimal the cell showed
(never Decimal(float)). The functional currency is always 1. Kept small on purpose: the aging
flow needs "rate of a currency on a day"; another flow's engine/fx.py may absorb it later.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.money import Int64Array, div_round_half_up, to_decimal
from engine.tables import Table

ONE = Decimal(1)


@dataclass(frozen=True)
class FxRates:
    """Rates per currency: dates ascending and the Decimal rate in force from each date."""

    functional: str
    dates: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    rates: Mapping[str, tuple[Decimal, ...]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, functional: str, rows: Iterable[tuple[str, date, Decimal]]) -> FxRates:
        """From (currency, date, rate) rows in any order; on a repeated date the later row wins."""
        by_currency: dict[str, dict[date, Decimal]] = {}
        for currency, day, rate in rows:
            by_currency.setdefault(currency.strip().upper(), {})[day] = rate
        dates = {c: tuple(sorted(d)) for c, d in by_currency.items()}
        rates = {c: tuple(by_currency[c][d] for d in dates[c]) for c in dates}
        return cls(functional.strip().upper(), dates, rates)

    def rate(self, currency: str, on: date) -> Decimal | None:
        """Functional units per unit of `currency` on `on` (the latest on or before), or None."""
        code = currency.strip().upper()
        if code == self.functional:
            return ONE
        days = self.dates.get(code, ())
        at = bisect.bisect_right(days, on)
        return self.rates[code][at - 1] if at else None


def fx_rates_from_table(table: Table | None, functional: str) -> FxRates:
    """The FX Rates sheet as FxRates; rows with a blank or unreadable cell (reported by
    validation) or a rate that is not positive are left out."""
    if table is None or not {"Currency", "Date", "Rate"} <= set(table.frame):
        return FxRates(functional.strip().upper())
    frame = table.frame
    usable = frame["Currency"].notna() & frame["Date"].notna() & frame["Rate"].notna()
    rows = []
    for currency, day, rate in zip(frame.loc[usable, "Currency"], frame.loc[usable, "Date"],
                                   frame.loc[usable, "Rate"], strict=True):
        value = to_decimal(rate)
        if value > 0:
            rows.append((str(currency), pd.Timestamp(day).date(), value))
    return FxRates.from_rows(functional, rows)


def convert_cents(cents: Int64Array, rate: Decimal) -> Int64Array:
    """cents × rate rounded half-up to cents, exactly: the rate as an integer over a power of
    ten, int64 when it cannot overflow, Python integers otherwise."""
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

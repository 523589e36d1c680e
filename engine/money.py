"""Exact money: Decimal amounts rounded half-up to the minor unit, and integer cents.

workbook-spec.md, "Rules that define the numbers": money is Decimal, ROUND_HALF_UP to cents
(Excel's ROUND rule, not Python's banker's rounding). Every flow rounds through `round_money`
(or, vectorised, `div_round_half_up` over integer cents), so there is one rounding rule.
A float never becomes money directly: `to_decimal` goes through `repr`, the shortest text that
reads back as the same float, which is what the cell showed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

CENT = Decimal("0.01")
ZERO = Decimal("0")
CENTS_PER_UNIT = 100

Int64Array = npt.NDArray[np.int64]


def round_money(amount: Decimal, unit: Decimal = CENT) -> Decimal:
    """`amount` rounded half-up to `unit` (cents by default): 2.675 -> 2.68, -2.675 -> -2.68."""
    return amount.quantize(unit, rounding=ROUND_HALF_UP)


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """A Decimal from a cell value, never through binary float arithmetic (0.1 -> 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value.strip())


def to_cents(amount: Decimal) -> int:
    """An amount as integer cents, rounded half-up first."""
    return int(round_money(amount) * CENTS_PER_UNIT)


def from_cents(cents: int) -> Decimal:
    """Integer cents as a Decimal amount with two places."""
    return (Decimal(cents) / CENTS_PER_UNIT).quantize(CENT)


def div_round_half_up(numerator: Int64Array, denominator: int) -> Int64Array:
    """numerator / denominator rounded half-up (away from zero on a tie), exactly, in int64.

    The vectorised twin of `round_money`: e.g. cents × rate-in-basis-points / 10,000.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (np.abs(numerator) * 2 + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude).astype(np.int64)

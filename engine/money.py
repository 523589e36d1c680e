"""Exact money: Decimal amounts rounded half-up to the minor unit, and integer cents.

workbook-spec.md, "Rules that define the numbers": money is Decimal, ROUND_HALF_UP to cents
(Excel's ROUND rule, not Python's banker's rounding). Every flow rounds through `round_money`
(or, vectorised, `div_round_half_up` over integer cents), so there is one rounding rule.
A float never becomes money directly: `to_decimal` goes through `repr`, the shortest text that
reads back as the same float, which is what the cell showed.

Columns. Reading keeps every exact column (money, quantities, rates, percentages) as one Arrow
decimal128(38, s) column, s the most decimals any of its cells has (at most MAX_SCALE): exact,
vectorised (compare, sum, group) and several times cheaper to build than a Decimal object per cell
(benchmarks/money.py). The engine takes its values out as Python Decimals (`decimals`) for
row-by-row flows, or as exact int64 multiples of 10^-scale (`scaled`, `cents`) for vectorised
ones, which round with `div_round_half_up`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CENT = Decimal("0.01")
ZERO = Decimal("0")
CENTS_PER_UNIT = 100

EXCEL_DIGITS = 15  # significant digits Excel keeps of a number (what it shows, what it accepts)
PRECISION = 38  # decimal128's digits
MAX_SCALE = 18  # decimals kept per cell: far below a cent, far above any rate
MAX_INTEGER_DIGITS = PRECISION - MAX_SCALE  # 10^20: no amount is near it

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_WIDE = Context(prec=PRECISION * 2)  # quantize to MAX_SCALE places without hitting precision
_EXCEL = Context(prec=EXCEL_DIGITS, rounding=ROUND_HALF_UP)


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
    return int(round_money(amount).scaleb(2))


def from_cents(cents: int) -> Decimal:
    """Integer cents as a Decimal amount with two places."""
    return Decimal(cents).scaleb(-2)  # exact: 123456 -> 1234.56, 0 -> 0.00


def from_units(units: int, scale: int) -> Decimal:
    """An int multiple of 10^-scale (as `scaled` gives) as the exact Decimal: 1005, 3 -> 1.005."""
    return Decimal(units).scaleb(-scale)


def div_round_half_up(numerator: Int64Array, denominator: int) -> Int64Array:
    """numerator / denominator rounded half-up (away from zero on a tie), exactly, in int64.

    The vectorised twin of `round_money`: e.g. cents × rate-in-basis-points / 10,000.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (np.abs(numerator) * 2 + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude).astype(np.int64)


def excel_precision(value: Decimal) -> Decimal:
    """`value` to Excel's 15 significant digits, trailing zeros dropped.

    A number cell holds a binary double; beyond 15 digits its text is binary noise, not what
    was typed or shown: fastexcel gives 12157521.11 as "12157521.109999999", and =0.1+0.2 is
    0.30000000000000004. Excel itself shows and rounds these as 12157521.11 and 0.3.
    """
    return _EXCEL.plus(value).normalize(_WIDE)


def plain_text(value: Decimal) -> str | None:
    """`value` as the plain text a decimal column is built from ("-1234.5", no exponent),
    rounded half-up to MAX_SCALE decimals; None when it has more than MAX_INTEGER_DIGITS
    integer digits (no decimal column holds it)."""
    if value.is_zero():
        return "0"
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_SCALE:
        value = value.quantize(Decimal(1).scaleb(-MAX_SCALE), ROUND_HALF_UP, _WIDE)
    return format(value, "f")


def fraction_digits(text: pa.Array) -> pa.Array:
    """How many characters follow the "." of each number text (0 without one)."""
    dot = pc.find_substring(text, ".")
    after = pc.subtract(pc.subtract(pc.binary_length(text), dot), 1)
    return pc.if_else(pc.less(dot, 0), 0, after)


def decimal_column(text: pa.Array) -> pa.Array:
    """Number texts (nulls allowed) as one exact decimal128 column, at the scale of the cell with
    the most decimals. Raises pyarrow.ArrowInvalid when a text is no plain number or does not
    fit (more than MAX_SCALE decimals or MAX_INTEGER_DIGITS integer digits): the caller then
    normalises those cells with `plain_text`."""
    scale = pc.max(fraction_digits(text)).as_py() or 0
    if scale > MAX_SCALE:
        raise pa.ArrowInvalid(f"more than {MAX_SCALE} decimals")
    return pc.cast(text, pa.decimal128(PRECISION, scale))


def decimal_series(values: list[Decimal | None], index: pd.Index | None = None) -> pd.Series:
    """Decimals as an exact column, the type reading gives (for tests and built tables)."""
    texts = [None if v is None else plain_text(v) for v in values]
    array = decimal_column(pa.array(texts, pa.string()))
    return pd.Series(pd.arrays.ArrowExtensionArray(array), index=index)


def is_exact(values: pd.Series) -> bool:
    """Whether a column holds exact decimals (a decimal128 Arrow column)."""
    dtype = values.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _arrow(values: pd.Series) -> pa.Array:
    if not is_exact(values):
        raise TypeError(f"not an exact decimal column: {values.dtype}")
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def decimals(values: pd.Series) -> list[Decimal | None]:
    """An exact column's values as Python Decimals (None for blank or unreadable cells)."""
    return _arrow(values).to_pylist()  # type: ignore[no-any-return]


def scale_of(values: pd.Series) -> int:
    """The number of decimals an exact column keeps."""
    return int(_arrow(values).type.scale)


def scaled(values: pd.Series, scale: int) -> tuple[Int64Array, BoolArray]:
    """An exact column as int64 multiples of 10^-scale (value × 10^scale), exactly, and which
    cells hold a value (blank ones are 0). `scale` must be at least the column's own
    (`scale_of`); raises OverflowError when a value does not fit in int64 at that scale."""
    array = _arrow(values)
    if scale < array.type.scale:
        raise ValueError(f"scale {scale} would drop decimals of a scale-{array.type.scale} column")
    array = pc.cast(array, pa.decimal128(PRECISION, scale))
    present = array.is_valid().to_numpy(zero_copy_only=False)
    # decimal128 is a little-endian two's-complement 128-bit integer per value: when the high
    # word is the low word's sign extension, the low word is the value.
    words = np.frombuffer(array.buffers()[1], dtype=np.int64)[2 * array.offset:][: 2 * len(array)]
    low, high = words[0::2], words[1::2]
    fits = (high == (low >> 63)) | ~present
    if not fits.all():
        raise OverflowError(f"an amount does not fit in int64 at scale {scale}")
    return np.where(present, low, 0).astype(np.int64), present


def cents(values: pd.Series) -> tuple[Int64Array, BoolArray]:
    """An exact column rounded half-up to integer cents (the vectorised `to_cents`)."""
    scale = max(scale_of(values), 2)
    units, present = scaled(values, scale)
    return div_round_half_up(units, 10 ** (scale - 2)), present

"""Number columns read typed (floats, see workbooks/xlsx/typed_cells.py): the very values, and
unreadable cells, that reading their cells as text gives.

A float cell's text is `render_float(f)` (nine decimals at most). For most cells that text is
the shortest decimal with at most nine decimals whose nearest float is f, found here without
any text: for |f| < 2**23 a float's spacing is under 1e-9, so when N / 10**k (k <= 9) rounds to
f, f's nine-decimal text is exactly N / 10**k. Those cells become decimal128 (or float64) at
once; the others (more than nine decimals, big numbers, texts longer than 15 characters, which
reading rounds to Excel's 15 digits) get their text rendered one by one and go, with the column's
text cells, through the text reading's own parse, so every rule of it holds unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.money import PRECISION
from workbooks.xlsx.typed_cells import render_float

TextParse = Callable[[pa.Array, str], tuple[object, np.ndarray]]
_SMALL = 2.0**23  # below it a float's spacing is < 1e-9: its 9-decimal text is exact
_MAX_DECIMALS = 9  # fastexcel's text of a float keeps nine decimals
_SHORT = 15  # reading keeps a number text of at most 15 characters as it stands
_SAMPLE = 1_000  # first cells whose decimals are counted one by one
_POWERS = np.array([10.0**i for i in range(1, 8)])  # integer digits of |f| < 2**23


def exact_from_floats(floats: pa.Array, text: pa.Array, locale: str, parse: TextParse
                      ) -> tuple[pd.arrays.ArrowExtensionArray, np.ndarray, pa.Array]:
    """An exact column (decimal128) from a typed read: `floats` holds the number cells, `text`
    the column's other cells. `parse` is reading's text parse (reading._exact_numbers), given
    the text cells and the rendered text of the number cells not decoded here. Returns the
    values, the unreadable cells and the text of every cell that was parsed as text."""
    f, number = _numbers_of(floats)
    units, decimals = _short_decimals(f, number)
    fast = decimals >= 0
    texts = _with_rendered(text, f, number & ~fast)
    where, few, bad = _parse_few(parse, texts, locale)
    top = int(decimals[fast].max()) if fast.any() else 0
    scale = max(top, few.type.scale)
    if scale > _MAX_DECIMALS:  # a text with more decimals: the values as Arrow decimals
        wide = pa.decimal128(PRECISION, scale)
        quick = pc.cast(_decimal_array(_rescaled(units, decimals, fast, top), top, fast), wide)
        merged = pc.replace_with_mask(quick, pa.array(_spread(where, len(f))), pc.cast(few, wide))
        return pd.arrays.ArrowExtensionArray(merged), bad, texts
    # One decimal128 buffer written at once: the number cells as N * 10**(scale - k) (under
    # 2**23 * 10**9, an int64), the text cells' values (cast to the scale) put in place.
    words = _rescaled(units, decimals, fast, scale)
    buffer = np.empty(2 * len(f), dtype=np.int64)
    buffer[0::2], buffer[1::2] = words, words >> 63
    valid = fast.copy()
    if len(where):
        cells = pc.cast(few, pa.decimal128(PRECISION, scale))
        pairs = np.frombuffer(cells.buffers()[1], dtype=np.int64)[2 * cells.offset:][: 2 * len(cells)]
        present = cells.is_valid().to_numpy(zero_copy_only=False)
        buffer[2 * where[present]] = pairs[0::2][present]
        buffer[2 * where[present] + 1] = pairs[1::2][present]
        valid[where[present]] = True
    column = pa.Array.from_buffers(pa.decimal128(PRECISION, scale), len(f),
                                   [_bitmap(valid), pa.py_buffer(buffer)])
    return pd.arrays.ArrowExtensionArray(column), bad, texts


def numbers_from_floats(floats: pa.Array, text: pa.Array, locale: str, parse: TextParse
                        ) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """A float64 column (whole numbers: Line, Priority) from a typed read: a whole float's text
    reads back as the float itself; the other cells go through `parse` (reading._numbers)."""
    f, number = _numbers_of(floats)
    whole = number & (np.abs(f) < 2.0**53) & (np.floor(f) == f)
    texts = _with_rendered(text, f, number & ~whole)
    where, few, bad = _parse_few(parse, texts, locale)
    values = np.where(whole, f, np.nan)
    values[where] = few.to_numpy(zero_copy_only=False)
    return values, bad, texts


def as_text(floats: pa.Array, text: pa.Array) -> pa.Array:
    """The column as reading it as text gives it: every number cell rendered (a column whose
    header turned out other than planned: rare, and one string per cell)."""
    f, number = _numbers_of(floats)
    return _with_rendered(text, f, number)


def _parse_few(parse: TextParse, texts: pa.Array, locale: str
               ) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """`parse` run on the cells that hold text only (few, in a column of number cells): their
    positions, their values (an Arrow array) and the column's unreadable cells."""
    present = texts.is_valid().to_numpy(zero_copy_only=False)
    where = np.flatnonzero(present)
    values, bad_few = parse(texts.filter(pa.array(present)), locale)
    few = pa.array(values)
    few = few.combine_chunks() if isinstance(few, pa.ChunkedArray) else few
    bad = np.zeros(len(texts), dtype=bool)
    bad[where] = bad_few
    return where, few, bad


def _rescaled(units: np.ndarray, decimals: np.ndarray, fast: np.ndarray, scale: int) -> np.ndarray:
    """The decoded cells as int64 multiples of 10**-scale (0 elsewhere)."""
    return np.where(fast, units * 10 ** (scale - np.clip(decimals, 0, scale)), 0).astype(np.int64)


def _spread(where: np.ndarray, length: int) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    mask[where] = True
    return mask


def _bitmap(valid: np.ndarray) -> pa.Buffer:
    """An Arrow validity bitmap (least significant bit first)."""
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _numbers_of(floats: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    floats = floats.combine_chunks() if isinstance(floats, pa.ChunkedArray) else floats
    number = floats.is_valid().to_numpy(zero_copy_only=False)
    return pc.fill_null(floats, 0.0).to_numpy(zero_copy_only=False), number


def _short_decimals(f: np.ndarray, number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, N and k (-1: not decoded here) with N / 10**k the cell's text: at most nine
    decimals and a text of at most 15 characters."""
    decimals = np.full(len(f), -1, dtype=np.int64)
    units = np.zeros(len(f), dtype=np.int64)
    candidates = number & (np.abs(f) < _SMALL)
    # Most cells of a column share its number of decimals: the first cells give it (one of them
    # has it, so it is the column's scale at least), every cell is tried at it at once, and only
    # the others are tried decimal by decimal. A cell may take more decimals than its text has
    # (12.5 as 12.50): the same value, and the scale stays the column's largest. Up to 5
    # decimals only: no text is then over 15 characters, so the cell that has them is kept.
    todo = np.flatnonzero(candidates)
    sample = todo[:_SAMPLE]
    _decimal_by_decimal(f, sample, decimals, units)
    usual = int(decimals[sample].max()) if len(sample) else 0
    if usual <= _SHORT - 10:
        n = np.rint(np.where(candidates, f, 0.0) * 10.0**usual)
        hit = candidates & (decimals < 0) & (n / 10.0**usual == f)
        decimals[hit], units[hit] = usual, n[hit].astype(np.int64)
    _decimal_by_decimal(f, np.flatnonzero(candidates & (decimals < 0)), decimals, units)
    long = np.flatnonzero(decimals >= _SHORT - 9)  # sign, 7 digits, point: 9 characters
    digits = 1 + np.searchsorted(_POWERS, np.floor(np.abs(f[long])), side="right")
    length = np.signbit(f[long]) + digits + decimals[long] + 1
    decimals[long[length > _SHORT]] = -1
    return units, decimals


def _decimal_by_decimal(f: np.ndarray, todo: np.ndarray, decimals: np.ndarray, units: np.ndarray
                        ) -> None:
    """The fewest decimals k <= 9 (and N) of the cells at `todo`, where there are."""
    for k in range(_MAX_DECIMALS + 1):
        if not len(todo):
            break
        values = f[todo]
        n = np.rint(values * 10.0**k)
        hit = n / 10.0**k == values  # exact: n < 2**53 and 10**k are exact, division rounds once
        decimals[todo[hit]] = k
        units[todo[hit]] = n[hit].astype(np.int64)
        todo = todo[~hit]


def _with_rendered(text: pa.Array, f: np.ndarray, rendered: np.ndarray) -> pa.Array:
    """`text` with the cells in `rendered` given their float's text."""
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if not rendered.any():
        return text
    strings = [render_float(x) for x in f[rendered].tolist()]
    return pc.replace_with_mask(text, pa.array(rendered), pa.array(strings, pa.string()))


def _decimal_array(units: np.ndarray, scale: int, valid: np.ndarray) -> pa.Array:
    """int64 multiples of 10**-scale as decimal128 (null where not `valid`): each value a
    little-endian 128-bit two's complement integer, the high word the low word's sign."""
    words = np.empty(2 * len(units), dtype=np.int64)
    words[0::2], words[1::2] = units, units >> 63
    return pa.Array.from_buffers(pa.decimal128(PRECISION, scale), len(units),
                                 [_bitmap(valid), pa.py_buffer(words)])

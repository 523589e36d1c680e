"""Turning rule violations (boolean masks over a table) into Issues, in the workbook's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.issues import Issue
from engine.money import round_money
from engine.rules import rule
from engine.tables import Table


class Checker:
    """Builds issues for one run in the workbook's language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.issues: list[Issue] = []

    def amounts(self, paid: Decimal, limit: Decimal) -> str:
        """ "18,328.32 against an amount of 17,978.32", in the workbook's language."""
        if self.locale == "pt-BR":
            return f"{money_text(paid, self.locale)} para um valor de {money_text(limit, self.locale)}"
        return f"{money_text(paid, self.locale)} against an amount of {money_text(limit, self.locale)}"

    def flag(self, table: Table, rule_id: str, column: str, mask: pd.Series,
             value: Callable[[int], object] | None = None,
             detail: Callable[[int], object] | str = "") -> None:
        """One issue per True row of `mask`, at `column`'s cell on that row."""
        the_rule = rule(rule_id)
        positions = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
        rows = mask.index[positions]
        if value is None and len(positions) and mask.index.equals(table.frame.index):
            # The flagged cells' values taken at once by position: a label lookup (.at) per
            # issue cost most of this function with 10,000 issues on a 1M-row sheet.
            picked = table.frame[column].array[positions]
            cells = dict(zip(rows.tolist(), picked, strict=True))
            value = cells.__getitem__
        for row in rows:
            shown = value(row) if value else table.frame.at[row, column]
            extra = detail(row) if callable(detail) else detail
            self.issues.append(Issue(
                table.sheet, table.cell(column, row), int(row), column, rule_id, the_rule.severity,
                the_rule.message(self.locale, column=column, value=display(shown), detail=extra),
                display(shown)))


def money_text(value: Decimal, locale: str) -> str:
    """1234.5 -> "1,234.50" (en) or "1.234,50" (pt-BR), rounded half-up to cents (2.675 ->
    2.68: Decimal's own formatting would round half-even)."""
    text = f"{round_money(value):,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if locale == "pt-BR" else text


def display(value: object) -> str:
    """A value as a person reads it in a message or the Value column."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):  # exact columns keep their scale: 189.90 shows as 189.9
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, float):
        value = float(value)  # np.float64's repr is "np.float64(1.5)"
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


def normalised(values: pd.Series) -> pd.Series:
    """Text keys compared case-, accent-, space- and punctuation-insensitively, vectorised
    (the same idea as engine.schema.normalise, for whole columns)."""
    if isinstance(values.dtype, pd.ArrowDtype):
        text = pc.cast(pa.array(values.array), pa.string())
    else:
        text = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
    if pc.all(pc.string_is_ascii(text)).as_py():  # no accents to take off: byte by byte
        text = _ascii_key(text)
    else:
        text = pc.replace_substring_regex(pc.utf8_normalize(text, "NFKD"), r"\pM", "")
        text = pc.replace_substring_regex(pc.utf8_lower(text), r"[^0-9a-z]+", "")
    return pd.Series(pd.arrays.ArrowExtensionArray(text), index=values.index)


# Each ASCII byte's key byte: digits and lower-case letters kept, capitals lowered, the rest 0
# (dropped): what lower-casing and removing [^0-9a-z]+ do to ASCII text.
_ASCII_KEY = np.zeros(256, dtype=np.uint8)
for _byte in b"0123456789abcdefghijklmnopqrstuvwxyz":
    _ASCII_KEY[_byte] = _byte
for _byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_KEY[_byte] = _byte + 32


def _ascii_key(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    """ASCII strings lower-cased with everything but letters and digits removed, on the bytes
    at once: the kept bytes are packed and each string's end moved back by what was dropped."""
    strings = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    if not len(strings):
        return strings
    if strings.offset:
        strings = pa.concat_arrays([strings])  # a copy that starts at its buffers' start
    validity, offset_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32, count=len(strings) + 1)
    data = np.frombuffer(data_buffer, dtype=np.uint8, count=int(offsets[-1])) \
        if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    mapped = _ASCII_KEY[data]
    kept = mapped != 0  # (a NUL byte maps to itself, 0, and is dropped like any other)
    if kept.all() and np.array_equal(mapped, data):  # already a key (digits, lower-case letters)
        return strings
    before = np.zeros(len(data) + 1, dtype=np.int32)  # kept bytes before each byte
    np.cumsum(kept, dtype=np.int32, out=before[1:])
    return pa.StringArray.from_buffers(len(strings), pa.py_buffer(before[offsets]),
                                       pa.py_buffer(mapped[kept]), validity, strings.null_count)

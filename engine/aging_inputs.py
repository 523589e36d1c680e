"""The aging flow's typed columnar inputs and their converters from engine.tables.Table.

Invoices and payments arrive as whole columns: text as pandas Series (any string dtype), dates
as numpy datetime64[D], money as int64 cents, and each row's Excel row number, so every result
and issue can name its source cell. Rows validation already rejects (a blank required value, an
unreadable cell, an unknown Type) are left out here, not reported again; the job may also pass
the rows that carry validation errors (`skip_rows`), e.g. a duplicate supplier bill.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.money import Int64Array, to_cents, to_decimal
from engine.tables import Table
from engine.vocab import INVOICE_TYPES, canonical

DayArray = npt.NDArray[np.datetime64]
BoolArray = npt.NDArray[np.bool_]
# Beyond this a float has fewer than two exact decimals to spare: the Decimal path decides.
_FAST_CENTS_LIMIT = 1e13


class _SourceRows:
    """Rows that know their Excel row numbers and column letters (the inputs below)."""

    row: Int64Array
    letters: Mapping[str, str]

    def __len__(self) -> int:
        return len(self.row)

    def cell(self, column: str, row: int) -> str:
        """The source cell of a value ("F7"), or "" when the column's letter is unknown."""
        letter = self.letters.get(column)
        return f"{letter}{row}" if letter else ""


@dataclass(frozen=True)
class InvoiceInputs(_SourceRows):
    """Invoices, one entry per row, positionally aligned; text columns are Arrow string Series
    (see arrow_text). `kind` is "AR" or "AP"; `currency` the ISO code (blank already replaced
    by the functional currency)."""

    kind: pd.Series
    invoice_no: pd.Series
    party: pd.Series
    issue_date: DayArray
    due_date: DayArray
    amount: Int64Array
    tax: Int64Array
    currency: pd.Series
    row: Int64Array
    sheet: str = "Invoices"
    letters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentInputs(_SourceRows):
    """Payments, positionally aligned. `currency` is "" when blank (the invoice's currency)."""

    kind: pd.Series
    invoice_no: pd.Series
    party: pd.Series
    date: DayArray
    amount: Int64Array
    currency: pd.Series
    row: Int64Array
    sheet: str = "Payments"
    letters: Mapping[str, str] = field(default_factory=dict)


INVOICE_REQUIRED = ("Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount")
PAYMENT_REQUIRED = ("Payment Date", "Type", "Party", "Invoice No", "Amount")


def invoices_from_table(table: Table | None, functional: str,
                        skip_rows: Collection[int] = ()) -> InvoiceInputs:
    """The Invoices sheet as InvoiceInputs (rows that cannot be aged are left out)."""
    frame = _usable(table, INVOICE_REQUIRED, skip_rows)
    amount, _ = cents_column(frame["Amount"])
    tax, _ = cents_column(frame["Tax"]) if "Tax" in frame else (np.zeros(len(frame), np.int64), None)
    currency = _codes(frame, len(frame)).fillna(functional.strip().upper())
    return InvoiceInputs(
        _types(frame["Type"]), _text(frame["Invoice No"]), _text(frame["Party"]),
        _days(frame["Issue Date"]), _days(frame["Due Date"]), amount, tax, currency,
        frame.index.to_numpy(dtype=np.int64), table.sheet if table else "Invoices",
        dict(table.letters) if table else {})


def payments_from_table(table: Table | None, skip_rows: Collection[int] = ()) -> PaymentInputs:
    """The Payments sheet as PaymentInputs (rows that cannot be matched are left out)."""
    frame = _usable(table, PAYMENT_REQUIRED, skip_rows)
    amount, _ = cents_column(frame["Amount"])
    return PaymentInputs(
        _types(frame["Type"]), _text(frame["Invoice No"]), _text(frame["Party"]),
        _days(frame["Payment Date"]), amount, _codes(frame, len(frame)).fillna(""),
        frame.index.to_numpy(dtype=np.int64), table.sheet if table else "Payments",
        dict(table.letters) if table else {})


def _usable(table: Table | None, required: tuple[str, ...], skip_rows: Collection[int]) -> pd.DataFrame:
    """The rows with every required value present, a known Type and not skipped."""
    if table is None or not set(required) <= set(table.frame):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in required})
    frame = table.frame
    keep = frame[list(required)].notna().all(axis=1)
    keep &= _types(frame["Type"]).notna().to_numpy(dtype=bool)
    if skip_rows:
        keep &= ~frame.index.isin(list(skip_rows))
    return frame[keep]


def _type_of(value: object) -> str | None:
    return canonical(value, INVOICE_TYPES)


def _types(values: pd.Series) -> pd.Series:
    """ "AR" / "AP" / None per row. Few distinct spellings: each is canonicalised once."""
    encoded = arrow(arrow_text(values)).dictionary_encode()
    named = pa.array([_type_of(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
    return pd.Series(pd.arrays.ArrowExtensionArray(named.take(encoded.indices)))


def _text(values: pd.Series) -> pd.Series:
    return arrow_text(values)


def _codes(frame: pd.DataFrame, size: int) -> pd.Series:
    if "Currency" not in frame:
        return arrow_text(pd.Series([None] * size, dtype=object))
    return arrow_text(frame["Currency"].astype("string[pyarrow]").str.strip().str.upper())


def arrow_text(values: pd.Series) -> pd.Series:
    """A text column as an Arrow string Series with a fresh 0..n-1 index (what the aging engine
    works on: vectorised comparisons and keys without Python objects)."""
    if isinstance(values.dtype, pd.ArrowDtype) or values.dtype == "string[pyarrow]":
        array = arrow(values)
    else:
        array = pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)
    if array.type != pa.string():
        array = pc.cast(array, pa.string())
    return pd.Series(pd.arrays.ArrowExtensionArray(array))


def _days(values: pd.Series) -> DayArray:
    return values.to_numpy(dtype="datetime64[D]")


def arrow(values: pd.Series) -> pa.Array:
    """An Arrow-backed Series' values as one Arrow array (chunks combined)."""
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def cents_column(values: pd.Series) -> tuple[Int64Array, BoolArray]:
    """Money cells as int64 cents (half-up) and which were blank (NaN/None, given 0 cents).

    Each value is worth what engine.money.to_decimal reads (the cell's shortest text for a
    float). A float column takes a vectorised path where it is provably the same: when
    rint(x × 100) / 100 reads back as x, x's shortest text has at most two decimals, so its
    cents are that integer; every other value (more decimals, Decimal, text) goes through
    to_decimal and round_money.
    """
    blank = values.isna().to_numpy(dtype=bool)
    cents = np.zeros(len(values), dtype=np.int64)
    rest = ~blank
    if values.dtype == np.float64:
        floats = values.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):
            candidate = np.rint(floats * 100)
            exact = ~blank & (np.abs(floats) < _FAST_CENTS_LIMIT) & (candidate / 100 == floats)
        cents[exact] = candidate[exact].astype(np.int64)
        rest &= ~exact
    objects = values.to_numpy(dtype=object)
    for at in np.flatnonzero(rest):
        value = objects[at]
        cents[at] = to_cents(to_decimal(int(value) if isinstance(value, np.integer) else value))
    return cents, blank

"""The orders-and-stock flow's inputs as small typed records, and their converters from Tables.

The engine loops in plain Python over these records (sorted once), never over DataFrame rows:
the converters read each column of a Table once (`Series.tolist()`), turn numbers into exact
Decimals (engine.money.to_decimal: floats through their repr, so 0.1 stays 0.1) and keep every
row's source (sheet + Excel row + column letters), so results and issues can point back at it.

A blank or unreadable value becomes None; the engine treats a record missing a value it needs
as rejected (validation has already said why, at the cell).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from numbers import Integral
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.checker import normalised
from engine.issues import Issue
from engine.money import to_decimal
from engine.rules import rule
from engine.schema import normalise
from engine.tables import Table
from engine.vocab import MOVEMENT_TYPES, canonical


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: the workbook's sheet name and the Excel row. `letters` maps a
    canonical column to its sheet column letter (shared by every row of a table)."""

    sheet: str
    row: int
    letters: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def key(self) -> tuple[str, int]:
        """(sheet, row): how validation's issues name a row."""
        return (self.sheet, self.row)

    def cell(self, column: str) -> str:
        """The cell of `column` on this row, like "D7" ("" when the column is not on the sheet)."""
        letter = self.letters.get(column)
        return f"{letter}{self.row}" if letter else ""


def issue_at(source: Source, column: str, rule_id: str, locale: str, value: str,
             detail: str = "") -> Issue:
    """An issue of the catalogue at `column`'s cell on a record's row."""
    the_rule = rule(rule_id)
    return Issue(source.sheet, source.cell(column), source.row, column, rule_id, the_rule.severity,
                 the_rule.message(locale, column=column, value=value, detail=detail), value)


def sku_key(sku: str) -> str:
    """How SKUs are matched across sheets: case-, accent-, space- and punctuation-insensitive,
    as validation's stock.unknown_sku check compares them."""
    return normalise(sku)


_DIGITS = re.compile(r"(\d+)")
OrderKey = tuple[tuple[int, int, str], ...]  # how an Order ID sorts (order_sort_key)


def order_sort_key(order_id: str) -> OrderKey:
    """Order IDs in the order a person expects: "SO-9" before "SO-10" (runs of digits compare
    as numbers, the rest case-insensitively)."""
    parts = _DIGITS.split(order_id.strip().casefold())
    return tuple((1, int(p), "") if i % 2 else (0, 0, p) for i, p in enumerate(parts) if p)


@dataclass(frozen=True, slots=True)
class Item:
    """One Stock row: the item master and its opening balance."""

    source: Source
    sku: str
    description: str = ""
    opening_qty: Decimal = Decimal(0)
    opening_unit_cost: Decimal = Decimal(0)
    reorder_point: Decimal | None = None
    reorder_qty: Decimal | None = None
    sku_key: str = ""

    def __post_init__(self) -> None:
        if not self.sku_key:
            object.__setattr__(self, "sku_key", sku_key(self.sku))


@dataclass(frozen=True, slots=True)
class Movement:
    """One Stock Movements row. `kind` is IN, OUT or ADJ (None when unreadable); Quantity is
    signed for ADJ, a positive amount of units for IN and OUT."""

    source: Source
    date: date | None
    sku: str
    kind: str | None
    quantity: Decimal | None
    unit_cost: Decimal | None = None
    reference: str = ""
    sku_key: str = ""

    def __post_init__(self) -> None:
        if not self.sku_key:
            object.__setattr__(self, "sku_key", sku_key(self.sku))


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One Orders row. Blank Line sorts by the Excel row; blank Currency is the functional one."""

    source: Source
    order_id: str
    order_date: date | None
    sku: str
    quantity: Decimal | None
    unit_price: Decimal | None
    line: int | None = None
    customer: str = ""
    discount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    currency: str = ""
    priority: int = 0
    sku_key: str = ""
    order_key: OrderKey = ()

    def __post_init__(self) -> None:
        if not self.sku_key:
            object.__setattr__(self, "sku_key", sku_key(self.sku))
        if not self.order_key:
            object.__setattr__(self, "order_key", order_sort_key(self.order_id))


# --------------------------------------------------------------------------- cell values


def decimal_or_none(value: Any) -> Decimal | None:
    """A cell's number as an exact Decimal; None when blank (None, NaN, NA) or not a number."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return Decimal(int(value))
    if isinstance(value, float):
        return None if value != value else to_decimal(value)
    try:
        number = to_decimal(value)
    except (ArithmeticError, TypeError, ValueError, AttributeError):
        return None
    return number if number.is_finite() else None


def whole_or_none(value: Any) -> int | None:
    """A cell's whole number (Line, Priority), or None when blank or not whole."""
    number = decimal_or_none(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def date_or_none(value: Any) -> date | None:
    """A cell's date (a Timestamp, datetime or date), or None when blank."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, datetime):  # pd.Timestamp too
        return value.date()
    return value if isinstance(value, date) else None


def text_or_blank(value: Any) -> str:
    """A cell's text, trimmed; "" when blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


T = TypeVar("T")
Int64Array = npt.NDArray[np.int64]


def _column(table: Table, name: str, convert: Callable[[Any], T]) -> list[T]:
    """One canonical column's values in row order, each converted; the conversion runs once per
    distinct value (columns repeat: dates, SKUs, prices). An absent column is all blanks."""
    if name not in table.frame:
        return [convert(None)] * len(table.frame)
    series = table.frame[name]
    if pd.api.types.is_datetime64_any_dtype(series.dtype) and series.dt.tz is None:
        # as nanosecond ints: no Timestamp built per cell, one per distinct date
        stamps = series.to_numpy(dtype="datetime64[ns]").view("int64").tolist()
        nat = pd.NaT.value
        dates = {v: None if v == nat else convert(pd.Timestamp(v)) for v in set(stamps)}
        return [dates[v] for v in stamps]  # type: ignore[misc]
    if isinstance(series.dtype, pd.ArrowDtype):
        return _arrow_column(series, convert)
    values = series.tolist()
    converted = {v: convert(v) for v in set(values)}  # each NaN is its own key: still found
    return [converted[v] for v in values]


def _arrow_column(series: pd.Series, convert: Callable[[Any], T]) -> list[T]:
    """An Arrow column (exact decimal128 numbers, strings) through its dictionary: each distinct
    value becomes a Python object (an exact Decimal, a str) and is converted once; the rows are
    then a lookup by index (pandas' own tolist() builds one object per cell, in Python)."""
    array = pa.array(series.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = array.dictionary_encode()
    distinct = [convert(v) for v in encoded.dictionary.to_pylist()]
    distinct.append(convert(None))  # blank cells: the null index points past the values
    indices = pc.fill_null(encoded.indices, len(distinct) - 1).to_numpy(zero_copy_only=False)
    return [distinct[i] for i in indices.tolist()]


def _keys(table: Table) -> list[str]:
    """Every row's SKU key, vectorised (the same normalisation as sku_key)."""
    if "SKU" not in table.frame:
        return [""] * len(table.frame)
    keys = pa.array(normalised(table.frame["SKU"]).array)
    return pc.fill_null(keys, "").to_pylist()  # type: ignore[no-any-return]


def _sources(table: Table) -> Iterator[Source]:
    letters = dict(table.letters)
    return (Source(table.sheet, int(row), letters) for row in table.frame.index)


def _kind(value: Any) -> str | None:
    return canonical(value, MOVEMENT_TYPES) if value is not None else None


def _upper(value: Any) -> str:
    return text_or_blank(value).upper()


def _zero_if_blank(value: Any) -> Decimal:
    return decimal_or_none(value) or Decimal(0)


# --------------------------------------------------------------------------- converters


def items_from_table(table: Table) -> list[Item]:
    """The Stock sheet's rows as Items (rows without a SKU are left out: nothing to key them)."""
    columns = zip(_sources(table), _column(table, "SKU", text_or_blank),
                  _column(table, "Description", text_or_blank),
                  _column(table, "Opening Qty", _zero_if_blank),
                  _column(table, "Opening Unit Cost", _zero_if_blank),
                  _column(table, "Reorder Point", decimal_or_none),
                  _column(table, "Reorder Qty", decimal_or_none), _keys(table), strict=True)
    return [Item(source, sku, description, qty, cost, point, reorder, key)
            for source, sku, description, qty, cost, point, reorder, key in columns if key]


def movements_from_table(table: Table) -> list[Movement]:
    """The Stock Movements sheet's rows as Movements, Type read through its aliases."""
    return movement_columns(table)[0]


MovementColumns = tuple[list[str], list[date | None], list[str | None], Int64Array]


def movement_columns(table: Table) -> tuple[list[Movement], MovementColumns]:
    """The Movements and the columns their ledger order is keyed on (SKU key, Date, Type, Excel
    row: engine.stock_events.event_keys), read once."""
    dates, kinds, keys = (_column(table, "Date", date_or_none), _column(table, "Type", _kind),
                          _keys(table))
    columns = zip(_sources(table), dates, _column(table, "SKU", text_or_blank), kinds,
                  _column(table, "Quantity", decimal_or_none),
                  _column(table, "Unit Cost", decimal_or_none),
                  _column(table, "Reference", text_or_blank), keys, strict=True)
    return [Movement(*values) for values in columns], (keys, dates, kinds, _rows(table))


def order_lines_from_table(table: Table) -> list[OrderLine]:
    """The Orders sheet's rows as OrderLines (blank Discount/Tax Rate/Priority are 0)."""
    return order_line_columns(table)[0]


LineColumns = tuple[list[str], list["date | None"], list[int], list[str], dict[str, OrderKey],
                    list[int | None], Int64Array]


def order_line_columns(table: Table) -> tuple[list[OrderLine], LineColumns]:
    """The OrderLines and the columns their ledger order is keyed on (SKU key, Order Date,
    Priority, Order ID, each ID's sort key, Line, Excel row: engine.stock_events.event_keys)."""
    ids = _column(table, "Order ID", text_or_blank)
    order_keys: dict[str, OrderKey] = {}
    for order_id in ids:
        if order_id not in order_keys:
            order_keys[order_id] = order_sort_key(order_id)
    days, numbers, keys = (_column(table, "Order Date", date_or_none),
                           _column(table, "Line", whole_or_none), _keys(table))
    priorities = [p or 0 for p in _column(table, "Priority", whole_or_none)]
    columns = zip(_sources(table), ids, days,
                  _column(table, "SKU", text_or_blank), _column(table, "Quantity", decimal_or_none),
                  _column(table, "Unit Price", decimal_or_none), numbers,
                  _column(table, "Customer", text_or_blank),
                  _column(table, "Discount", _zero_if_blank), _column(table, "Tax Rate", _zero_if_blank),
                  _column(table, "Currency", _upper), priorities, keys, strict=True)
    lines = [OrderLine(source, order_id, day, sku, qty, price, line, customer, discount, tax,
                       currency, priority, key, order_keys[order_id])
             for (source, order_id, day, sku, qty, price, line, customer, discount, tax, currency,
                  priority, key) in columns]
    return lines, (keys, days, priorities, ids, order_keys, numbers, _rows(table))


def _rows(table: Table) -> Int64Array:
    """Every row's Excel row number."""
    return np.asarray(table.frame.index, dtype=np.int64)

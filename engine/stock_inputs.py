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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from numbers import Integral
from typing import Any

import pandas as pd

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


def order_sort_key(order_id: str) -> tuple[tuple[int, int, str], ...]:
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
    order_key: tuple[tuple[int, int, str], ...] = ()

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


def _column(table: Table, name: str) -> list[Any]:
    """One canonical column's values in row order (all None when the column is absent)."""
    if name in table.frame:
        return list(table.frame[name].tolist())
    return [None] * len(table.frame)


def _keys(table: Table) -> list[str]:
    """Every row's SKU key, vectorised (the same normalisation as sku_key)."""
    if "SKU" not in table.frame:
        return [""] * len(table.frame)
    return ["" if k is None else str(k) for k in normalised(table.frame["SKU"]).tolist()]


def _sources(table: Table) -> Iterator[Source]:
    letters = dict(table.letters)
    return (Source(table.sheet, int(row), letters) for row in table.frame.index)


# --------------------------------------------------------------------------- converters


def items_from_table(table: Table) -> list[Item]:
    """The Stock sheet's rows as Items (rows without a SKU are left out: nothing to key them)."""
    columns = zip(_sources(table), _column(table, "SKU"), _column(table, "Description"),
                  _column(table, "Opening Qty"), _column(table, "Opening Unit Cost"),
                  _column(table, "Reorder Point"), _column(table, "Reorder Qty"), _keys(table),
                  strict=True)
    items = []
    for source, sku, description, qty, cost, point, reorder, key in columns:
        if not key:
            continue
        items.append(Item(source, text_or_blank(sku), text_or_blank(description),
                          decimal_or_none(qty) or Decimal(0), decimal_or_none(cost) or Decimal(0),
                          decimal_or_none(point), decimal_or_none(reorder), key))
    return items


def movements_from_table(table: Table) -> list[Movement]:
    """The Stock Movements sheet's rows as Movements, Type read through its aliases."""
    columns = zip(_sources(table), _column(table, "Date"), _column(table, "SKU"),
                  _column(table, "Type"), _column(table, "Quantity"), _column(table, "Unit Cost"),
                  _column(table, "Reference"), _keys(table), strict=True)
    return [Movement(source, date_or_none(day), text_or_blank(sku),
                     canonical(kind, MOVEMENT_TYPES) if kind is not None else None,
                     decimal_or_none(qty), decimal_or_none(cost), text_or_blank(reference), key or "")
            for source, day, sku, kind, qty, cost, reference, key in columns]


def order_lines_from_table(table: Table) -> list[OrderLine]:
    """The Orders sheet's rows as OrderLines (blank Discount/Tax Rate/Priority are 0)."""
    columns = zip(_sources(table), _column(table, "Order ID"), _column(table, "Order Date"),
                  _column(table, "SKU"), _column(table, "Quantity"), _column(table, "Unit Price"),
                  _column(table, "Line"), _column(table, "Customer"), _column(table, "Discount"),
                  _column(table, "Tax Rate"), _column(table, "Currency"), _column(table, "Priority"),
                  _keys(table), strict=True)
    lines = []
    for (source, order_id, day, sku, qty, price, line, customer, discount, tax, currency,
         priority, key) in columns:
        lines.append(OrderLine(
            source, text_or_blank(order_id), date_or_none(day), text_or_blank(sku),
            decimal_or_none(qty), decimal_or_none(price), whole_or_none(line),
            text_or_blank(customer), decimal_or_none(discount) or Decimal(0),
            decimal_or_none(tax) or Decimal(0), text_or_blank(currency).upper(),
            whole_or_none(priority) or 0, key or ""))
    return lines

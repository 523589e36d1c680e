"""Checks across sheets: SKUs known to Stock, payments matching invoices, over-payments,
FX rates for foreign currencies, and duplicate supplier bills."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from decimal import Decimal

import pandas as pd

from engine.checker import Checker, display, normalised
from engine.issues import Issue
from engine.money import ZERO, decimals, from_units, round_money, scale_of, scaled
from engine.rules import rule
from engine.tables import Table
from engine.vocab import INVOICE_TYPES, ISO_4217, MOVEMENT_TYPES, canonical

FX_DATES = (("Orders", "Order Date"), ("Invoices", "Issue Date"), ("Payments", "Payment Date"))


def check_cross_sheet(checker: Checker, tables: dict[str, Table], functional: str,
                      other_sheets: bool = True) -> None:
    """Every cross-sheet rule whose sheets are present. `other_sheets=False` (one range on its
    own, as a formula function sees it) skips the rules that compare with other sheets."""
    if other_sheets:
        check_skus(checker, tables)
        check_payments(checker, tables.get("Invoices"), tables.get("Payments"))
        if functional.strip().upper() in ISO_4217:  # else value.currency on Config says it all
            check_fx(checker, tables, functional.strip().upper())
    check_supplier_bills(checker, tables.get("Invoices"))
    check_receipt_costs(checker, tables.get("Stock Movements"))


def check_skus(checker: Checker, tables: dict[str, Table]) -> None:
    """An order line's or a movement's SKU must be on the Stock sheet."""
    stock = tables.get("Stock")
    if stock is None or "SKU" not in stock.frame:
        return
    known = set(normalised(stock.frame["SKU"]).dropna())
    for sheet in ("Orders", "Stock Movements"):
        table = tables.get(sheet)
        if table is not None and "SKU" in table.frame:
            skus = normalised(table.frame["SKU"])
            checker.flag(table, "stock.unknown_sku", "SKU", skus.notna() & ~skus.isin(known))


def _invoice_keys(table: Table) -> pd.Series:
    types = table.frame["Type"].map(lambda v: canonical(v, INVOICE_TYPES), na_action="ignore")
    others = pd.concat([normalised(table.frame["Party"]), normalised(table.frame["Invoice No"])], axis=1)
    return types.str.cat(others, sep="|")


def check_payments(checker: Checker, invoices: Table | None, payments: Table | None) -> None:
    """A payment belongs to an invoice (same Type, Party, Invoice No); payments that take an
    invoice above its amount are a warning on the payment that crosses it."""
    needed = {"Type", "Party", "Invoice No"}
    if payments is None or invoices is None or not needed <= set(payments.frame) \
            or not needed <= set(invoices.frame):
        return
    pay_keys, inv_keys = _invoice_keys(payments), _invoice_keys(invoices)
    types = payments.frame["Type"].map(lambda v: canonical(v, INVOICE_TYPES), na_action="ignore")
    unmatched = pay_keys.notna() & ~pay_keys.isin(set(inv_keys.dropna()))
    checker.flag(payments, "payment.no_invoice", "Invoice No", unmatched,
                 detail=lambda r: types[r] or "")
    if "Amount" not in payments.frame or "Amount" not in invoices.frame:
        return
    first = ~inv_keys.duplicated() & inv_keys.notna()
    limits = dict(zip(inv_keys[first], decimals(invoices.frame["Amount"][first]), strict=True))
    order = payments.frame.sort_values("Payment Date", kind="stable").index \
        if "Payment Date" in payments.frame else payments.frame.index
    paid = _running_totals(payments.frame.loc[order, "Amount"], pay_keys[order])
    limit = pay_keys[order].map(limits)
    # Exact to the cent, no tolerance: over when the payments, in cents (half-up), exceed the
    # invoice's amount in cents (an Amount computed as 10.005 is settled by paying 10.01).
    over = pd.Series([isinstance(m, Decimal) and round_money(p) > round_money(m)
                      for p, m in zip(paid, limit, strict=True)], index=order) & ~unmatched[order]
    checker.flag(payments, "payment.over_outstanding", "Amount", over.reindex(payments.frame.index),
                 value=lambda r: payments.frame.at[r, "Invoice No"],
                 detail=lambda r: checker.amounts(paid[r], limit[r]))


def _running_totals(amounts: pd.Series, keys: pd.Series) -> pd.Series:
    """Each row's amount plus the earlier rows' of the same key (blank amounts count 0), as
    exact Decimals: summed in int64 units of the column's scale, by Python on overflow."""
    try:
        scale = scale_of(amounts)
        units, _ = scaled(amounts, scale)
        totals = pd.Series(units, index=amounts.index).groupby(keys.to_numpy(), dropna=False).cumsum()
        return pd.Series([from_units(int(t), scale) for t in totals], index=amounts.index, dtype=object)
    except OverflowError:
        running: dict[object, Decimal] = {}
        out = []
        for key, amount in zip(keys, decimals(amounts), strict=True):
            running[key] = running.get(key, ZERO) + (amount or ZERO)
            out.append(running[key])
        return pd.Series(out, index=amounts.index, dtype=object)


def check_fx(checker: Checker, tables: dict[str, Table], functional: str) -> None:
    """A foreign-currency row needs a rate dated on or before its date."""
    fx = tables.get("FX Rates")
    first_rate: dict[Hashable, pd.Timestamp] = {}
    if fx is not None and {"Currency", "Date"} <= set(fx.frame):
        fx_codes = fx.frame["Currency"].str.strip().str.upper()
        first_rate = fx.frame["Date"].groupby(fx_codes).min().to_dict()
    for sheet, date_column in FX_DATES:
        table = tables.get(sheet)
        if table is None or date_column not in table.frame:
            continue
        codes = _currencies(table, tables.get("Invoices") if sheet == "Payments" else None)
        if codes is None:
            continue
        dates = table.frame[date_column]
        foreign = (codes.isin(ISO_4217) & (codes != functional) & dates.notna()).astype(bool)
        # Rates looked up for the foreign rows only: mapping a million codes costs ~0.15 s, and
        # most books have few foreign rows, or none.
        earliest = pd.to_datetime(codes[foreign].map(first_rate))
        missing = pd.Series(False, index=codes.index)
        missing[foreign] = (earliest.isna() | (dates[foreign] < earliest)).to_numpy(dtype=bool)
        column = "Currency" if "Currency" in table.letters else "Invoice No"
        checker.flag(table, "fx.missing_rate", column, missing, value=codes.__getitem__,
                     detail=_shown(dates))


def _currencies(table: Table, invoices: Table | None) -> pd.Series | None:
    """Each row's currency code; a payment without one is in its invoice's currency (spec)."""
    own = table.frame["Currency"].str.strip().str.upper() if "Currency" in table.frame else None
    needed = {"Type", "Party", "Invoice No"}
    if invoices is None or "Currency" not in invoices.frame or not needed <= set(table.frame) \
            or not needed <= set(invoices.frame):
        return own
    by_invoice = pd.Series(invoices.frame["Currency"].str.strip().str.upper().to_numpy(),
                           index=_invoice_keys(invoices).to_numpy())
    inherited = _invoice_keys(table).map(by_invoice[~by_invoice.index.duplicated()])
    return inherited if own is None else own.where(own.notna(), inherited)


def _shown(values: pd.Series) -> Callable[[int], str]:
    return lambda row: display(values[row])


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def bill_number(value: object) -> str:
    """A supplier bill number for duplicate detection: trimmed, upper-case, letters and digits
    only, leading zeros dropped ("000123" = "123" = "12-3")."""
    return _NOT_ALNUM.sub("", str(value).strip().upper()).lstrip("0")


def check_supplier_bills(checker: Checker, invoices: Table | None) -> None:
    """Same Party + bill number in the same year: error on the later row. Another number with
    the same Party, Amount and Issue Date: warning on the later row."""
    needed = {"Type", "Party", "Invoice No", "Issue Date"}
    if invoices is None or not needed <= set(invoices.frame):
        return
    frame = invoices.frame
    bills = frame[frame["Type"].map(lambda v: canonical(v, INVOICE_TYPES), na_action="ignore") == "AP"]
    party = normalised(bills["Party"])
    number = bills["Invoice No"].map(bill_number, na_action="ignore")
    year = bills["Issue Date"].dt.year
    keys = pd.DataFrame({"p": party, "n": number, "y": year})
    same_key = pd.DataFrame({"p": party, "n": normalised(bills["Invoice No"])})
    reported = same_key.duplicated(keep="first") & same_key.notna().all(axis=1)  # key.duplicate
    _flag_repeats(checker, invoices, keys, "ap.duplicate_bill", "Invoice No", skip=reported)
    if "Amount" in frame:
        same = pd.DataFrame({"p": party, "a": bills["Amount"], "d": bills["Issue Date"], "n": number})
        exact = keys.duplicated(keep="first")
        _flag_repeats(checker, invoices, same[~exact].drop(columns="n"), "ap.possible_duplicate",
                      "Invoice No")


def _flag_repeats(checker: Checker, table: Table, keys: pd.DataFrame, rule_id: str, column: str,
                  skip: pd.Series | None = None) -> None:
    complete = keys.notna().all(axis=1)
    keys = keys[complete]
    repeated = keys.duplicated(keep="first")
    if skip is not None:
        repeated &= ~skip.reindex(keys.index, fill_value=False)
    first = keys.reset_index().groupby(list(keys.columns))["index"].transform("first")
    first.index = keys.index
    checker.flag(table, rule_id, column, repeated.reindex(table.frame.index, fill_value=False),
                 detail=lambda r: int(first[r]))


def check_receipt_costs(checker: Checker, movements: Table | None) -> None:
    """An IN movement needs a Unit Cost."""
    if movements is None or "Type" not in movements.frame:
        return
    kinds = movements.frame["Type"].map(lambda v: canonical(v, MOVEMENT_TYPES), na_action="ignore")
    costs = movements.frame["Unit Cost"] if "Unit Cost" in movements.frame \
        else pd.Series(float("nan"), index=movements.frame.index)
    unreadable = movements.unreadable.get("Unit Cost", pd.Series(False, index=costs.index))
    missing = (kinds == "IN") & costs.isna() & ~unreadable
    if "Unit Cost" in movements.letters:
        checker.flag(movements, "movement.unit_cost_required", "Unit Cost", missing, value=lambda _r: "")
    elif missing.any():
        row = movements.header_row
        checker.issues.append(Issue(movements.sheet, movements.header_cell(), row, "Unit Cost",
                                    "sheet.missing_column",
                                    rule("sheet.missing_column").severity,
                                    rule("sheet.missing_column").message(checker.locale, column="Unit Cost"),
                                    ""))

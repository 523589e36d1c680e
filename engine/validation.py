"""Validation of every input sheet: vectorised checks over whole columns, one pass per rule.

`validate(tables, config, locale)` returns Issues; it never raises on bad data. Single-sheet
checks are declared in the tables below; cross-sheet checks live in engine.crosschecks.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.br import cnpj, cpf

from engine.checker import Checker, display, normalised
from engine.crosschecks import check_cross_sheet
from engine.issues import Issue
from engine.schema import NUMERIC_KINDS, Kind, normalise
from engine.settings import BLANK_KEYS, Period, Settings, config_settings
from engine.tables import Table
from engine.vocab import (
    INVOICE_TYPES,
    ISO_4217,
    MOVEMENT_TYPES,
    Choices,
    canonical,
)

# (sheet, column, rule): "value.positive" is > 0, "value.negative" forbids < 0.
RANGES: tuple[tuple[str, str, str], ...] = (
    ("Orders", "Quantity", "value.positive"), ("Orders", "Unit Price", "value.negative"),
    ("Orders", "Line", "value.negative"), ("Orders", "Priority", "value.negative"),
    ("Invoices", "Amount", "value.negative"), ("Invoices", "Tax", "value.negative"),
    ("Payments", "Amount", "value.positive"),
    ("Payroll", "Base Salary", "value.negative"), ("Payroll", "Overtime Hours", "value.negative"),
    ("Payroll", "Bonus", "value.negative"), ("Payroll", "Other Deductions", "value.negative"),
    ("Payroll", "Dependents", "value.negative"),
    ("Stock", "Opening Qty", "value.negative"), ("Stock", "Opening Unit Cost", "value.negative"),
    ("Stock", "Reorder Point", "value.negative"), ("Stock", "Reorder Qty", "value.negative"),
    ("Stock Movements", "Unit Cost", "value.negative"),
    ("FX Rates", "Rate", "value.positive"),
    ("Tax Tables", "Up To", "value.negative"),
)
WHOLE: tuple[tuple[str, str], ...] = (
    ("Orders", "Line"), ("Orders", "Priority"), ("Payroll", "Dependents"),
)
CHOICES: dict[tuple[str, str], Choices] = {
    ("Invoices", "Type"): INVOICE_TYPES, ("Payments", "Type"): INVOICE_TYPES,
    ("Stock Movements", "Type"): MOVEMENT_TYPES,
}
CURRENCY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Orders", "Currency"), ("Invoices", "Currency"), ("Payments", "Currency"),
    ("FX Rates", "Currency"),
)
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "Orders": ("Order ID", "Line"), "Stock": ("SKU",), "Payroll": ("Employee ID", "Period"),
    "Invoices": ("Type", "Party", "Invoice No"), "FX Rates": ("Currency", "Date"),
    "Accounts": ("Role",), "GL Balances": ("Account",),
}
IN_PERIOD_DATES: tuple[tuple[str, str], ...] = (("Orders", "Order Date"), ("Stock Movements", "Date"))


def validate(tables: dict[str, Table], config: dict[str, str], config_cells: dict[str, str],
             locale: str = "en", other_sheets: bool = True) -> list[Issue]:
    """Every rule over every input sheet present. `tables` by canonical sheet name;
    `other_sheets=False` skips the checks against other sheets (SKUs, payments, FX)."""
    checker = Checker(locale)
    settings = check_config(checker, tables.get("Config"), config, config_cells)
    for table in tables.values():
        if table.frame.empty:
            continue
        check_required(checker, table)
        check_ranges(checker, table)
        check_choices(checker, table)
        check_unique(checker, table)
    check_dates(checker, tables, settings.period)
    check_tax_ids(checker, tables.get("Payroll"))
    check_cross_sheet(checker, tables, settings.functional_currency, other_sheets)
    return checker.issues


def check_config(checker: Checker, table: Table | None, config: dict[str, str],
                 cells: dict[str, str]) -> Settings:
    """Every Config value read into typed settings (engine.settings); each bad value is an issue
    at its cell and falls back to its default. Returns the settings (period None when bad)."""
    settings, issues = config_settings(table, config, cells, checker.locale)
    checker.issues.extend(issues)
    return settings


def check_required(checker: Checker, table: Table) -> None:
    """A required column present with a blank cell (unreadable cells are reported already)."""
    for column in table.spec.columns:
        if column.required and column.name in table.frame:
            blank = table.frame[column.name].isna() & ~table.unreadable[column.name]
            if table.spec.key_value and "Key" in table.frame:  # blank Period: config.period;
                blank &= ~table.frame["Key"].map(  # blank Minimum Wage: no minimum-wage check
                    lambda k: normalise(str(k)) in BLANK_KEYS).astype(bool)
            checker.flag(table, "value.required", column.name, blank, value=lambda _r: "")


def check_ranges(checker: Checker, table: Table) -> None:
    """Bounds, whole numbers and percentages as fractions."""
    frame = table.frame
    for sheet, column, rule_id in RANGES:
        if sheet == table.spec.name and column in frame:
            values = frame[column]
            checker.flag(table, rule_id, column, values <= 0 if rule_id == "value.positive" else values < 0)
    for sheet, column in WHOLE:
        if sheet == table.spec.name and column in frame:
            values = frame[column]
            checker.flag(table, "value.whole", column, values.notna() & (values % 1 != 0))
    for spec_column in table.spec.columns:
        if spec_column.kind is Kind.PERCENT and spec_column.name in frame:
            fractions = frame[spec_column.name]
            checker.flag(table, "value.fraction", spec_column.name, (fractions < 0) | (fractions > 1))


def check_choices(checker: Checker, table: Table) -> None:
    """Allowed values (with aliases) and ISO 4217 currency codes."""
    for (sheet, column), choices in CHOICES.items():
        if sheet == table.spec.name and column in table.frame:
            values = table.frame[column]
            bad = values.notna() & values.map(lambda v, c=choices: canonical(v, c) is None)
            checker.flag(table, "value.allowed", column, bad, detail=", ".join(choices))
    for sheet, column in CURRENCY_COLUMNS:
        if sheet == table.spec.name and column in table.frame:
            codes = table.frame[column]
            bad = codes.notna() & ~codes.str.strip().str.upper().isin(ISO_4217)
            checker.flag(table, "value.currency", column, bad)


def key_frame(table: Table, columns: Iterable[str]) -> pd.DataFrame:
    """Key columns normalised for comparison (case, accents and spaces ignored)."""
    out: dict[str, pd.Series] = {}
    for column in columns:
        values = table.frame[column]
        if table.spec.column(column).kind in NUMERIC_KINDS | {Kind.DATE}:
            out[column] = values
        elif column == "Type":
            out[column] = values.map(lambda v: canonical(v, INVOICE_TYPES) or normalise(str(v)),
                                     na_action="ignore")
        else:
            out[column] = normalised(values)
    return pd.DataFrame(out, index=table.frame.index)


def check_unique(checker: Checker, table: Table) -> None:
    """A repeated key is an error on each later row; the first occurrence stays clean."""
    columns = UNIQUE_KEYS.get(table.spec.name, ())
    present = [c for c in columns if c in table.frame]
    if not present or (table.spec.name == "Orders" and "Order ID" not in present):
        return
    keys = key_frame(table, present)
    required = [c for c in present if table.spec.column(c).required]
    usable = keys[required].notna().all(axis=1) & keys.notna().any(axis=1)
    for c in present:
        usable &= ~table.unreadable.get(c, pd.Series(False, index=keys.index))
    used = keys[usable]
    codes = pd.DataFrame({c: _codes(used[c]) for c in present}, index=used.index)
    repeated = codes.duplicated(keep="first").reindex(keys.index, fill_value=False)
    if not repeated.any():
        return
    first_rows = keys.reset_index().groupby(present, dropna=False)["index"].transform("first")
    first = pd.Series(first_rows.to_numpy(), index=keys.index)
    checker.flag(table, "key.duplicate", present[-1], repeated,
                 value=lambda r: " / ".join(display(table.frame.at[r, c]) for c in present),
                 detail=lambda r: int(first[r]))


def _codes(values: pd.Series) -> pd.Series:
    """A key column as integer codes, equal where the values are equal (blanks equal too, as
    in DataFrame.duplicated): Arrow's dictionary encoding of a 1M-row text column takes a
    tenth of pandas' factorize of it."""
    if not isinstance(values.dtype, pd.ArrowDtype):
        return values
    array = pa.array(values.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    return pd.Series(encoded.indices.to_numpy(zero_copy_only=False), index=values.index)


def check_dates(checker: Checker, tables: dict[str, Table], period: Period | None) -> None:
    """Due Date before Issue Date; dates outside the Period; payroll rows of other periods."""
    invoices = tables.get("Invoices")
    if invoices is not None and {"Due Date", "Issue Date"} <= set(invoices.frame):
        frame = invoices.frame
        checker.flag(invoices, "invoice.due_before_issue", "Due Date",
                     frame["Due Date"] < frame["Issue Date"],
                     detail=lambda r: display(frame.at[r, "Issue Date"]))
    if period is None:
        return
    first, last = pd.Timestamp(period.first_day), pd.Timestamp(period.last_day)
    for sheet, column in IN_PERIOD_DATES:
        table = tables.get(sheet)
        if table is not None and column in table.frame:
            dates = table.frame[column]
            checker.flag(table, "date.outside_period", column, (dates < first) | (dates > last),
                         detail=period)
    payroll = tables.get("Payroll")
    if payroll is not None and "Period" in payroll.frame:
        periods = payroll.frame["Period"]
        checker.flag(payroll, "payroll.other_period", "Period", periods.notna() & (periods != period),
                     detail=period)


def check_tax_ids(checker: Checker, payroll: Table | None) -> None:
    """CPF (11 digits) or CNPJ (14 characters) check digits; ids typed as numbers are padded."""
    if payroll is None or "Tax ID" not in payroll.frame:
        return
    ids = payroll.frame["Tax ID"]
    verdicts = ids.map(tax_id_problem, na_action="ignore")
    checker.flag(payroll, "taxid.invalid", "Tax ID", verdicts.notna(), detail=lambda r: verdicts[r])


def tax_id_problem(value: str) -> str | None:
    """None when `value` is a valid CPF or CNPJ; else what it should have been ("CPF", ...)."""
    compact = "".join(ch for ch in str(value).upper() if ch.isalnum())
    if compact.isdigit() and len(compact) <= 11:
        as_cpf, as_cnpj = compact.zfill(11), compact.zfill(14)
        if len(set(as_cpf)) > 1 and cpf.is_valid(as_cpf):
            return None
        if len(compact) < 11 or not cnpj.is_valid(as_cnpj) or len(set(as_cnpj)) == 1:
            return "CPF"
        return None
    if len(compact) <= 14 and compact.isdigit():
        compact = compact.zfill(14)
    if len(compact) == 14:
        return None if cnpj.is_valid(compact) and len(set(compact)) > 1 else "CNPJ"
    return "CPF/CNPJ"

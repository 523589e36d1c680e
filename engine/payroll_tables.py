"""Payroll Rules = tables: a rules pack built from the Tax Tables sheet, so another country's
progressive bands are set up in the workbook, without code.

Rows are (Table, Up To, Rate); the tables are social_security and income_tax (aliases below),
each a list of bands in increasing order where only the last may leave Up To blank (no upper
limit). A social_security table whose last band has an Up To stops there (a ceiling); income tax
has no ceiling. Income tax is progressive band by band; the engine computes it as
round(base × rate − amount to deduct), with each band's amount to deduct derived here exactly
(fractions of a cent kept), which is the same number. The per-dependent deduction comes from
Config; there is no simplified discount, no reduction and no FGTS (Config Employer Contribution
Rate is the employer cost).

Cell values (blank Rate, rates outside 0-100%, negative Up To) are validation's checks; a table
with such a row is simply not built. The structure is checked here: an Issue at the cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from engine.issues import Issue
from engine.money import round_money, to_decimal
from engine.payroll_rules import (
    RATE_DIGITS,
    Band,
    BandTable,
    Deductions,
    EmployerCost,
    PayrollPack,
    decimal_places,
)
from engine.rules import rule
from engine.schema import normalise
from engine.tables import Table

TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "social_security": ("social_security", "social security", "inss", "previdencia", "previdência"),
    "income_tax": ("income_tax", "income tax", "irrf", "imposto de renda", "ir"),
}
SOURCE = "Tax Tables sheet"


@dataclass(frozen=True)
class TaxTableRow:
    """One row of the Tax Tables sheet: values (None when blank) and their cells."""

    row: int
    table: str | None
    up_to: Decimal | None
    rate: Decimal | None
    cells: Mapping[str, str]  # "Table", "Up To", "Rate" -> "B7"


def table_name(text: str | None) -> str | None:
    """The canonical table a Table cell names, or None."""
    key = normalise(text or "")
    return next((name for name, aliases in TABLE_ALIASES.items()
                 if key in {normalise(a) for a in aliases}), None)


def tax_table_rows(table: Table) -> list[TaxTableRow]:
    """The Tax Tables sheet as read (engine.tables.Table) as rows; floats or Decimals alike."""
    frame = table.frame
    names = ("Table", "Up To", "Rate")
    # tolist(): Python values (a numpy float's repr is not a number's text)
    columns: dict[str, list[Any]] = {c: frame[c].tolist() if c in frame else [None] * len(frame)
                                     for c in names}
    out = []
    for position, row in enumerate(frame.index):
        values = {c: columns[c][position] for c in names}
        out.append(TaxTableRow(
            int(row), None if _blank(values["Table"]) else str(values["Table"]),
            None if _blank(values["Up To"]) else to_decimal(values["Up To"]),
            None if _blank(values["Rate"]) else to_decimal(values["Rate"]),
            {c: table.cell(c, int(row)) for c in names if c in table.letters}))
    return out


def _blank(value: object) -> bool:
    """A blank cell: None, NaN, pandas' NA (exact columns) or spaces."""
    if value is None or value is pd.NA:
        return True
    return value != value or (isinstance(value, str) and not value.strip())


class _Issues:
    """Issues of one build, at Tax Tables cells, in the workbook's language."""

    def __init__(self, sheet: str, locale: str) -> None:
        self.sheet, self.locale = sheet, locale
        self.found: list[Issue] = []

    def add(self, rule_id: str, cell: str, column: str, value: str, detail: str = "") -> None:
        the_rule = rule(rule_id)
        digits = "".join(ch for ch in cell if ch.isdigit())
        self.found.append(Issue(self.sheet, cell, int(digits) if digits else None, column, rule_id,
                                the_rule.severity,
                                the_rule.message(self.locale, column=column, value=value, detail=detail),
                                value))


def pack_from_tax_tables(rows: Sequence[TaxTableRow], dependent_deduction: Decimal,
                         locale: str = "en", sheet: str = "Tax Tables",
                         header_cell: str = "A1") -> tuple[PayrollPack | None, list[Issue]]:
    """A pack from the Tax Tables rows, or None and the issues at the cells that prevent it."""
    issues = _Issues(sheet, locale)
    grouped: dict[str, list[TaxTableRow]] = {name: [] for name in TABLE_ALIASES}
    unknown: set[str] = set()
    for row in rows:
        name = table_name(row.table)
        if name is not None:
            grouped[name].append(row)
        elif row.table and normalise(row.table) not in unknown:
            unknown.add(normalise(row.table))
            issues.add("tax_table.unknown", row.cells.get("Table", ""), "Table", row.table)
    tables = {name: _bands(name, grouped[name], issues, header_cell) for name in TABLE_ALIASES}
    social, income = tables["social_security"], tables["income_tax"]
    if social is None or income is None or any(i.severity == "error" for i in issues.found):
        return None, issues.found
    pack = PayrollPack(
        name="tables", social_security=social, income_tax=income,
        deductions=Deductions(source="Config Dependent Deduction", per_dependent=dependent_deduction),
        employer=EmployerCost(source="none in tables mode (Config Employer Contribution Rate)",
                              rate=Decimal(0)))
    return pack, issues.found


def _bands(name: str, rows: list[TaxTableRow], issues: _Issues, header_cell: str) -> BandTable | None:
    """One table's bands, or None (issues added) when it cannot be used."""
    if not rows:
        issues.add("tax_table.missing", header_cell, "Table", name)
        return None
    if any(r.rate is None for r in rows):
        return None  # validation reports the blank or unreadable Rate
    usable = True
    previous = Decimal(0)
    for position, row in enumerate(rows):
        rate = row.rate if row.rate is not None else Decimal(0)
        if decimal_places(rate) > RATE_DIGITS:
            issues.add("tax_table.rate_precision", row.cells.get("Rate", ""), "Rate", str(rate))
            usable = False
        if row.up_to is None:
            if position < len(rows) - 1:
                issues.add("tax_table.open_band", row.cells.get("Up To", ""), "Up To", "", name)
                usable = False
            continue
        up_to = round_money(row.up_to)
        if up_to <= previous:
            issues.add("tax_table.order", row.cells.get("Up To", ""), "Up To", f"{up_to}", f"{previous}")
            usable = False
        previous = max(previous, up_to)
    last = rows[-1]
    if name == "income_tax" and last.up_to is not None:
        issues.add("tax_table.no_open_band", last.cells.get("Up To", ""), "Up To",
                   f"{round_money(last.up_to)}")
        usable = False
    if not usable or any(r.rate is None or not 0 <= r.rate <= 1 for r in rows):
        return None  # a rate outside 0-100% is validation's value.fraction
    try:
        return BandTable(name=name, source=SOURCE, capped=last.up_to is not None,
                         bands=tuple(_progressive(rows)))
    except ValueError:  # a value validation reports (e.g. Up To beyond any amount): not built
        return None


def _progressive(rows: list[TaxTableRow]) -> list[Band]:
    """Bands with the amount to deduct that makes rate × base − deduct equal the band-by-band
    sum: deduct_i = deduct_(i−1) + upper_(i−1) × (rate_i − rate_(i−1)), exactly."""
    bands: list[Band] = []
    deduct, upper, rate = Decimal(0), Decimal(0), Decimal(0)
    for row in rows:
        new_rate = (row.rate or Decimal(0)).normalize()
        deduct += upper * (new_rate - rate)
        bands.append(Band(up_to=None if row.up_to is None else round_money(row.up_to), rate=new_rate,
                          deduct=deduct))
        upper, rate = (round_money(row.up_to) if row.up_to is not None else upper), new_rate
    return bands

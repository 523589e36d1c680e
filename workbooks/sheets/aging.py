"""The AR Aging, AP Aging and Invoice Status output sheets (workbook-spec.md, Output sheets).

AR Aging / AP Aging: one row per Party, in the functional currency at the period-end rate:
Party, the Config Aging Buckets' columns (Current, 1-30 ... 120+), Credit (overpaid invoices:
never a negative bucket), Total (a live SUM of the row), and a totals row (SUBTOTAL formulas,
cached with the engine's exact sums). Then a small "By bucket" block referring to the totals
(the chart's source), and, when there are foreign-currency invoices, one block per currency in
that currency (what is owed in USD, before conversion). A currency with no rate on the as-of
day is only in its own block: the heading says so.

Invoice Status: one row per invoice issued on or before the as-of day, Invoice No linked to its
source cell. Amounts are the invoice's own currency: with foreign invoices the sheet adds
Currency and Outstanding (<functional>) columns after the spec's, and only the functional column
is totalled (amounts in several currencies do not add up).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from engine.aging import AgingResult, AgingTable
from engine.issues import quote_sheet
from engine.money import from_cents
from workbooks.model import (
    Block,
    BlockPlace,
    CellKind,
    Chart,
    ChartKind,
    Formula,
    OutputColumn,
    OutputSheet,
    OutputValue,
)

AGING_SHEETS = {"AR": "AR Aging", "AP": "AP Aging"}
STATUS_SHEET = "Invoice Status"
_KIND_WORDS = {"AR": "Receivables (what customers owe)", "AP": "Payables (what we owe suppliers)"}
_MONEY = CellKind.MONEY


def aging_sheet(result: AgingResult, kind: str) -> OutputSheet:
    """The AR Aging (kind "AR") or AP Aging ("AP") sheet."""
    functional = result.functional
    sheet = OutputSheet(AGING_SHEETS[kind], currency=functional)
    table = result.in_functional[kind]
    heading = (f"{_KIND_WORDS[kind]} as of {result.as_of.isoformat()}, in {functional} at the "
               "period-end rate")
    main = _party_block(sheet, table, heading, f"BO_{kind}Aging", functional)
    buckets = table.labels[:-1]  # the buckets, Credit left out of the chart
    sums = table.cents.sum(axis=0) if len(table.parties) else np.zeros(len(table.labels), np.int64)
    sheet.add(Block(
        [OutputColumn("Bucket"), OutputColumn("Amount", _MONEY)],
        [[label, Formula(f"={main.total(label)}", from_cents(int(sums[i])))]
         for i, label in enumerate(buckets)],
        heading="By bucket", table=False))
    sheet.charts.append(Chart(ChartKind.COLUMN, 1, "Bucket", ("Amount",),
                              title=f"{kind} outstanding by bucket ({functional})"))
    for code in _foreign(result, kind):
        mine = np.asarray(result.in_currency[kind].currencies) == code
        detail = _subset(result.in_currency[kind], mine)
        note = (" (no rate on the as-of day: not in the totals above)"
                if code in result.missing_rates else "")
        _party_block(sheet, detail, f"Invoices in {code} (amounts in {code}){note}", f"BO_{kind}Aging_{code}",
                     code)
    return sheet


def _foreign(result: AgingResult, kind: str) -> list[str]:
    return sorted(set(result.in_currency[kind].currencies) - {result.functional})


def _subset(table: AgingTable, mine: np.ndarray) -> AgingTable:
    return AgingTable(table.kind, table.labels, tuple(np.asarray(table.parties, dtype=object)[mine]),
                      tuple(np.asarray(table.currencies, dtype=object)[mine]), table.cents[mine])


def _party_block(sheet: OutputSheet, table: AgingTable, heading: str, name: str,
                 currency: str) -> BlockPlace:
    """Add Party, the columns, Total (a live SUM of the row, cached exactly) and a totals row of
    every amount to `sheet`."""
    columns = [OutputColumn("Party", width=36),
               *(OutputColumn(label, _MONEY, currency=currency) for label in table.labels),
               OutputColumn("Total", _MONEY, currency=currency)]
    rows: list[list[OutputValue]] = [
        [party, *(from_cents(int(c)) for c in table.cents[i])] for i, party in enumerate(table.parties)]
    place = sheet.add(Block(columns, rows, heading=heading, table_name=name,
                            totals=tuple(c.header for c in columns[1:])))
    first, last, totals = table.labels[0], table.labels[-1], table.row_totals
    for i, row in enumerate(rows):  # the place is known once added: each row sums its own cells
        row.append(Formula(f"=SUM({place.cell(i, first)}:{place.cell(i, last)})",
                           from_cents(int(totals[i]))))
    return place


def status_sheet(result: AgingResult, source_column: str = "A") -> OutputSheet:
    """The Invoice Status sheet; `source_column` is the Invoice No column's letter on the
    invoices sheet (each Invoice No links to its cell)."""
    status = result.status
    functional = result.functional
    foreign = bool((status["Currency"].astype(str) != functional).any())
    money = "" if foreign else functional  # several currencies: no symbol on the amounts
    columns = [OutputColumn("Type", width=6), OutputColumn("Invoice No", width=16),
               OutputColumn("Party", width=36), OutputColumn("Due Date", CellKind.DATE),
               *(OutputColumn(name, _MONEY, currency=money) for name in ("Amount", "Paid", "Outstanding")),
               OutputColumn("Days Past Due", CellKind.INTEGER), OutputColumn("Bucket", width=10)]
    values: list[list[OutputValue]] = [list(row) for row in zip(
        status["Type"].tolist(), status["Invoice No"].astype(str).tolist(),
        status["Party"].astype(str).tolist(), _dates(status["Due Date"]),
        _money(status["Amount"]), _money(status["Paid"]), _money(status["Outstanding"]),
        status["Days Past Due"].astype(int).tolist(), status["Bucket"].astype(str).tolist(),
        strict=True)]
    totals: tuple[str, ...] = ("Amount", "Paid", "Outstanding")
    if foreign:
        header = f"Outstanding ({functional})"
        columns += [OutputColumn("Currency", width=9), OutputColumn(header, _MONEY, currency=functional)]
        missing = status["Rate Missing"].to_numpy(dtype=bool)
        converted = _money(status["Outstanding (functional)"])
        for row, code, amount, no_rate in zip(values, status["Currency"].astype(str).tolist(),
                                              converted, missing, strict=True):
            row += [code, None if no_rate else amount]
        totals = (header,)
    where = quote_sheet(result.sheet)
    links = {(i, 1): f"{where}!{source_column}{int(row)}"
             for i, row in enumerate(status["Source Row"].tolist())}
    sheet = OutputSheet(STATUS_SHEET, currency=functional)
    sheet.add(Block(columns, values, links=links, totals=totals, table_name="BO_InvoiceStatus"))
    return sheet


def _money(cents: pd.Series) -> list[Decimal]:
    return [from_cents(int(c)) for c in np.asarray(cents, dtype=np.int64)]


def _dates(days: pd.Series) -> list[object]:
    return [d.date() for d in pd.to_datetime(np.asarray(days, dtype="datetime64[D]"))]

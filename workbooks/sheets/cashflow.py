"""The Cash Forecast output sheet (workbook-spec.md): the 13 weeks after the as-of date.

Week, Week Start, Receipts (AR outstanding by the week it falls due), Payments (AP outstanding),
Net = Receipts − Payments and Cumulative = the previous week's Cumulative + Net, both live
formulas cached with the engine's exact figures, so a finance user can type over a week's
receipts and see the cumulative move. Overdue amounts are in week 1. A totals row sums Receipts,
Payments and Net; a second block says what the weeks leave out (due after week 13, credit
balances, currencies with no rate), and a line chart shows the weeks (a dip of Cumulative is
the cash crunch to plan for).
"""

from __future__ import annotations

import numpy as np

from engine.aging import AgingResult
from engine.cashflow import CashForecast
from engine.money import from_cents
from workbooks.model import (
    Block,
    CellKind,
    Chart,
    ChartKind,
    Formula,
    OutputColumn,
    OutputSheet,
    OutputValue,
)

FORECAST_SHEET = "Cash Forecast"


def forecast_sheet(cash: CashForecast, aging: AgingResult) -> OutputSheet:
    """The Cash Forecast sheet of a forecast and the aging it came from."""
    sheet = OutputSheet(FORECAST_SHEET, currency=aging.functional)
    money = CellKind.MONEY
    columns = [OutputColumn("Week", CellKind.INTEGER), OutputColumn("Week Start", CellKind.DATE),
               OutputColumn("Receipts", money), OutputColumn("Payments", money),
               OutputColumn("Net", money), OutputColumn("Cumulative", money)]
    rows: list[list[OutputValue]] = [[week + 1, start, from_cents(int(cash.receipts[week])),
                                      from_cents(int(cash.payments[week]))]
                                     for week, start in enumerate(cash.starts)]
    heading = (f"Expected cash in the 13 weeks after {aging.as_of.isoformat()} "
               f"({aging.functional}; overdue amounts in week 1)")
    place = sheet.add(Block(columns, rows, heading=heading, totals=("Receipts", "Payments", "Net"),
                            table_name="BO_CashForecast"))
    net, cumulative = cash.net, cash.cumulative
    for week, row in enumerate(rows):  # live formulas, each cached with the engine's figure
        net_formula = f"={place.cell(week, 'Receipts')}-{place.cell(week, 'Payments')}"
        running = (f"={place.cell(week - 1, 'Cumulative')}+{place.cell(week, 'Net')}" if week
                   else f"={place.cell(week, 'Net')}")
        row += [Formula(net_formula, from_cents(int(net[week]))),
                Formula(running, from_cents(int(cumulative[week])))]
    sheet.add(_left_out(cash, aging))
    sheet.charts.append(Chart(ChartKind.LINE, 0, "Week Start", ("Receipts", "Payments", "Cumulative"),
                              title=f"Cash forecast ({aging.functional})"))
    return sheet


def _left_out(cash: CashForecast, aging: AgingResult) -> Block:
    """What the weeks do not count, so the figures can be reconciled with the aging sheets."""
    status = aging.status
    outstanding = status["Outstanding (functional)"].to_numpy(dtype=np.int64)
    kinds = status["Type"].to_numpy(dtype=object)
    credits = {kind: int(outstanding[(outstanding < 0) & (kinds == kind)].sum()) for kind in ("AR", "AP")}
    rows: list[list[OutputValue]] = [
        ["Due after week 13", from_cents(cash.later_receipts), from_cents(cash.later_payments)],
        ["Credit balances (not expected cash)", from_cents(credits["AR"]), from_cents(credits["AP"])],
    ]
    if aging.missing_rates:
        rows.append([f"Also left out: invoices in {', '.join(aging.missing_rates)} (no rate)", None, None])
    money = CellKind.MONEY
    return Block([OutputColumn("Not in the weeks above"), OutputColumn("Receipts", money),
                  OutputColumn("Payments", money)], rows, heading="Left out", table=False)

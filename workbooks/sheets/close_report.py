"""The Close Report sheet (issue 13 step 4): the checklist with pass/fail, the issues that block
(linked to their cells), key figures, the data behind the charts, the trend of issues per closed
period and the invoices cut off.

Every key figure is a live formula over the Trial Balance sheet or over this sheet's own blocks,
cached with the engine's figure (tests recalculate the book in LibreOffice and compare). Blocks
are laid out in a fixed order, so the key figures can refer forward to the blocks after them:
the key-figures block is added first with its row count known and filled once the rest is placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine.close import CloseResult
from engine.issues import Issue, Severity, issue_order
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
from workbooks.sheets.journal import trial_balance_place

CLOSE_REPORT_SHEET = "Close Report"
TOP_SKUS = 10
_M, _T = CellKind.MONEY, CellKind.TEXT
_FIGURES = ("Revenue", "COGS", "Gross margin", "Payroll cost", "AR outstanding",
            "AP outstanding", "DSO (days)", "Gross margin %", "Inventory value",
            "Cash forecast low point")


def close_report_output(result: CloseResult, issues: Sequence[Issue], status: str,
                        by: str, at: str, trend: Sequence[tuple[str, int, int, str]],
                        company: str, currency: str) -> OutputSheet:
    """The Close Report of a close run (`status`: Closed, Blocked or Dry run)."""
    sheet = OutputSheet(CLOSE_REPORT_SHEET, currency=currency, printable=True)
    sheet.add(Block([OutputColumn("Close", width=30), OutputColumn("Value", width=60)],
                    [["Company", company], ["Period", result.period], ["Status", status],
                     ["By", by], ["At", at]],
                    heading=f"Month-end close {result.period}", table=False,
                    bold_rows=frozenset({2})))
    sheet.add(Block([OutputColumn("Step", width=30), OutputColumn("Status", width=10),
                     OutputColumn("Detail", width=90)],
                    [[c.step, c.status.upper() if c.status != "n/a" else "n/a", c.detail]
                     for c in result.checks], heading="Checklist", table_name="BO_CloseChecklist"))
    figures = sheet.add(Block([OutputColumn("Figure", width=30), OutputColumn("Amount", _M, 18),
                               OutputColumn("Measure", CellKind.NUMBER, 12)],
                              [[name, None, None] for name in _FIGURES], heading="Key figures",
                              table=False))
    aging = sheet.add(_aging_block(result))
    payroll = sheet.add(_payroll_block(result))
    inventory = sheet.add(_inventory_block(result))
    cash = sheet.add(_cash_block(result))
    sheet.add(_trend_block(trend))
    _issues_block(sheet, issues)
    _cutoff_block(sheet, result)
    figures.block.rows[:] = _figure_rows(result, figures, trial_balance_place(result.trial_balance),
                                         aging, payroll, inventory, cash)
    sheet.charts.extend([
        Chart(ChartKind.COLUMN, 3, "Bucket", ("AR", "AP"), title="Aging (outstanding)", anchor="F2"),
        Chart(ChartKind.PIE, 4, "Component", ("Amount",), title="Payroll cost", anchor="F18"),
        Chart(ChartKind.BAR, 5, "SKU", ("Closing Value",), title="Inventory by SKU", anchor="F34"),
        Chart(ChartKind.COLUMN, 7, "Period", ("Errors", "Warnings"),
              title="Issues found per closed period", anchor="F50"),
    ])
    return sheet


def _tb_sum(tb: BlockPlace, column: str, account: str) -> str:
    return (f"SUMIFS({tb.column(column, absolute=True, sheet=True)},"
            f"{tb.column('Account', absolute=True, sheet=True)},\"{account}\")")


def _figure_rows(result: CloseResult, me: BlockPlace, tb: BlockPlace, aging: BlockPlace,
                 payroll: BlockPlace, inventory: BlockPlace, cash: BlockPlace
                 ) -> list[list[OutputValue]]:
    f, chart = result.figures, result.flows.postings.chart
    revenue, cogs = chart.account("revenue"), chart.account("cogs")
    cell = {name: me.cell(i, "Amount") for i, name in enumerate(_FIGURES)}
    days = result.flows.postings.period.last_day.day
    low: OutputValue = (Formula(f"=MIN({cash.column('Cumulative')})", f.cash_low_point)
                        if f.cash_low_point is not None else None)
    return [
        ["Revenue", Formula(f"={_tb_sum(tb, 'Credit', revenue)}-{_tb_sum(tb, 'Debit', revenue)}",
                            f.revenue), None],
        ["COGS", Formula(f"={_tb_sum(tb, 'Debit', cogs)}-{_tb_sum(tb, 'Credit', cogs)}", f.cogs), None],
        ["Gross margin", Formula(f"={cell['Revenue']}-{cell['COGS']}", f.gross_margin), None],
        ["Payroll cost", Formula(f"={payroll.total('Amount')}", f.payroll_cost), None],
        ["AR outstanding", Formula(f"={aging.total('AR')}", f.ar_outstanding), None],
        ["AP outstanding", Formula(f"={aging.total('AP')}", f.ap_outstanding), None],
        ["DSO (days)", None, Formula(f"=IF({cell['Revenue']}>0,ROUND({cell['AR outstanding']}/"
                                     f"{cell['Revenue']}*{days},1),\"\")",
                                     f.dso if f.dso is not None else "")],
        ["Gross margin %", None, Formula(f"=IF({cell['Revenue']}>0,ROUND({cell['Gross margin']}/"
                                         f"{cell['Revenue']}*100,1),\"\")",
                                         f.margin_pct if f.margin_pct is not None else "")],
        ["Inventory value", Formula(f"={inventory.total('Closing Value')}", f.inventory_value), None],
        ["Cash forecast low point", low,
         f.cash_low_week if f.cash_low_week is not None else None],
    ]


def _aging_block(result: CloseResult) -> Block:
    aging = result.flows.aging
    labels: tuple[str, ...] = (*aging.labels, "Credit") if aging is not None else ("Current",)
    rows: list[list[OutputValue]] = []
    for j, label in enumerate(labels):
        amounts = [from_cents(int(aging.in_functional[k].cents[:, j].sum())) if aging is not None
                   and aging.in_functional[k].cents.size else from_cents(0) for k in ("AR", "AP")]
        rows.append([label, *amounts])
    return Block([OutputColumn("Bucket", width=14), OutputColumn("AR", _M, 16),
                  OutputColumn("AP", _M, 16)], rows, heading="Aging (functional currency)",
                 totals=("AR", "AP"), table_name="BO_CloseAging")


def _payroll_block(result: CloseResult) -> Block:
    p = result.flows.payroll
    parts = [("Net pay", p.net_pay if p else None), ("Social security", p.inss if p else None),
             ("Income tax", p.irrf if p else None),
             ("Other deductions", p.data.other_deductions if p else None),
             ("Employer contributions", p.employer_contributions if p else None)]
    rows: list[list[OutputValue]] = [[name, from_cents(int(a.sum()) if a is not None else 0)]
                                     for name, a in parts]
    return Block([OutputColumn("Component", width=24), OutputColumn("Amount", _M, 16)], rows,
                 heading="Payroll cost", totals=("Amount",), table_name="BO_ClosePayroll")


def _inventory_block(result: CloseResult) -> Block:
    stock = result.flows.stock
    values = sorted(((r.closing_value, r.sku) for r in stock.valuation) if stock else [],
                    key=lambda v: (-v[0], v[1]))
    rows: list[list[OutputValue]] = [[sku, value] for value, sku in values[:TOP_SKUS]]
    if len(values) > TOP_SKUS:
        rest = sum((v for v, _ in values[TOP_SKUS:]), Decimal("0.00"))
        rows.append([f"Other ({len(values) - TOP_SKUS} SKUs)", rest])
    return Block([OutputColumn("SKU", width=24), OutputColumn("Closing Value", _M, 16)], rows,
                 heading="Inventory by SKU", totals=("Closing Value",), table_name="BO_CloseInventory")


def _cash_block(result: CloseResult) -> Block:
    cash = result.flows.forecast
    rows: list[list[OutputValue]] = []
    if cash is not None:
        cumulative = cash.cumulative
        rows = [[week + 1, start, from_cents(int(cumulative[week]))]
                for week, start in enumerate(cash.starts)]
    return Block([OutputColumn("Week", CellKind.INTEGER, 8), OutputColumn("Week Start", CellKind.DATE, 12),
                  OutputColumn("Cumulative", _M, 16)], rows, heading="Cash forecast (13 weeks)",
                 table_name="BO_CloseCash")


def _trend_block(trend: Sequence[tuple[str, int, int, str]]) -> Block:
    return Block([OutputColumn("Period", width=10), OutputColumn("Errors", CellKind.INTEGER, 8),
                  OutputColumn("Warnings", CellKind.INTEGER, 10), OutputColumn("Outcome", width=10)],
                 [list(t) for t in trend], heading="Issues found per closed period",
                 table_name="BO_CloseTrend")


def _issues_block(sheet: OutputSheet, issues: Sequence[Issue]) -> None:
    ordered = sorted(issues, key=issue_order)
    rows: list[list[OutputValue]] = [
        [i.sheet, i.cell, i.rule, "blocks" if i.severity is Severity.ERROR else "warning", i.message]
        for i in ordered]
    links = {(n, 1): i.address for n, i in enumerate(ordered) if i.cell}
    sheet.add(Block([OutputColumn("Sheet", width=16), OutputColumn("Cell", width=8),
                     OutputColumn("Rule", width=24), OutputColumn("Severity", width=10),
                     OutputColumn("Message", width=90)], rows, heading="Issues (errors block the close)",
                    links=links, table_name="BO_CloseIssues"))


def _cutoff_block(sheet: OutputSheet, result: CloseResult) -> None:
    left = result.journal.cutoff
    rows: list[list[OutputValue]] = [[c.kind, c.invoice_no, c.party, c.issue_date, c.amount, c.currency]
                                     for c in left]
    links = {(n, 1): c.origin.address for n, c in enumerate(left)}
    sheet.add(Block([OutputColumn("Type", width=6), OutputColumn("Invoice No", width=14),
                     OutputColumn("Party", width=24), OutputColumn("Issue Date", CellKind.DATE, 12),
                     OutputColumn("Amount", CellKind.NUMBER, 14), OutputColumn("Currency", width=9)],
                    rows, heading="Cut-off: invoices dated after the period end (left out)",
                    links=links, table_name="BO_CloseCutoff"))

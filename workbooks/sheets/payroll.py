"""The payroll output sheets: the Payroll Register and the printable Payslips.

Payroll Register: an Excel Table with the spec's columns (workbook-spec.md "Output sheets"), one
row per employee paid, each Employee ID linked to its row on the Payroll sheet, and a totals row
of live SUBTOTAL formulas whose cached values are the engine's exact totals. Below it, a short
block says how many Payroll rows were not paid and why (another period, errors, negative net pay).

Payslips: one block per employee paid, headed "Employee <ID> <Name> — <Period>": earnings,
INSS band by band, the IRRF computation (deductions, base, table tax, reduction, withheld),
other deductions, net pay and the employer's costs; a page break before every employee but the
first and a print area over the blocks, so printing the sheet gives one page per employee.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from engine.issues import quote_sheet
from engine.payroll_result import REGISTER_COLUMNS, Payslip
from engine.payroll_run import PayrollRun
from engine.settings import Settings
from workbooks.model import Block, CellKind, OutputColumn, OutputSheet, OutputValue

REGISTER_SHEET = "Payroll Register"
PAYSLIPS_SHEET = "Payslips"
REGISTER_TABLE = "BO_PayrollRegister"
_MONEY_COLUMNS = frozenset(REGISTER_COLUMNS[2:])
_SLIP_COLUMNS = [OutputColumn("Item", width=30), OutputColumn("Detail", width=48),
                 OutputColumn("Amount", CellKind.MONEY, width=16)]
_NET_PAY_LABEL = "Net pay"


def payroll_register(run: PayrollRun, currency: str) -> OutputSheet:
    """The Payroll Register sheet of a run that computed (run.result is not None)."""
    result = run.result
    assert result is not None, "the register of a payroll that did not run"
    columns = [OutputColumn(name, CellKind.MONEY if name in _MONEY_COLUMNS else CellKind.TEXT,
                            width=14 if name in _MONEY_COLUMNS else (30 if name == "Name" else 12))
               for name in REGISTER_COLUMNS]
    data = result.data
    source = quote_sheet(data.sheet)
    links = {(i, 0): f"{source}!{data.cell('Employee ID', i)}" for i in range(len(result))
             if int(data.rows[i])}
    sheet = OutputSheet(REGISTER_SHEET, currency=currency, table_name=REGISTER_TABLE)
    rows = cast(list[list[OutputValue]], result.register())  # ids, names and Decimals
    sheet.add(Block(columns, rows, heading=f"Payroll Register — {run.period} ({run.rules})",
                    links=links, totals=tuple(REGISTER_COLUMNS[2:]), table_name=REGISTER_TABLE))
    sheet.add(Block([OutputColumn("Payroll rows"), OutputColumn("Count", CellKind.INTEGER)],
                    [["Employees paid", run.employees],
                     [f"Rows of another period, not paid (only {run.period} is paid)",
                      run.other_period],
                     ["Rows with errors, not paid (see the Issues sheet)", run.with_errors],
                     ["Negative net pay, not paid (see the Issues sheet)", run.negative_net_pay]],
                    heading="Not paid this run", table=False))
    return sheet


def payslips_output(run: PayrollRun, settings: Settings, currency: str) -> OutputSheet:
    """The printable Payslips sheet: one block (one printed page) per employee paid."""
    result = run.result
    assert result is not None, "the payslips of a payroll that did not run"
    sheet = OutputSheet(PAYSLIPS_SHEET, currency=currency, printable=True)
    source = quote_sheet(result.data.sheet)
    for i in range(len(result)):
        slip = result.payslip(i)
        link = f"{source}!{result.data.cell('Employee ID', i)}" if slip.row else None
        sheet.add(payslip_block(slip, run, settings, link, first=i == 0))
    if not sheet.blocks:
        sheet.add(Block([OutputColumn("Payslips")], [[f"No employee was paid for {run.period}."]],
                        heading=f"Payslips — {run.period}", table=False))
    return sheet


def payslip_block(slip: Payslip, run: PayrollRun, settings: Settings, link: str | None,
                  first: bool = False) -> Block:
    """One employee's payslip as a plain block (Employee ID linked to its Payroll row)."""
    fgts_rate = run.result.pack.employer.rate if run.result is not None else Decimal(0)
    rows: list[list[OutputValue]] = [
        ["Employee ID", slip.employee_id, None],
        ["Name", slip.name, None],
        ["Base salary", "", slip.base_salary],
        ["Overtime", _overtime_detail(slip, settings), slip.overtime_pay],
        ["Bonus", "", slip.bonus],
        ["Gross pay", "Base salary + overtime + bonus", slip.gross],
    ]
    for number, band in enumerate(slip.social_security_bands, start=1):
        upper = "and above" if band.upper is None else f"to {_amount(band.upper)}"
        rows.append([f"INSS band {number}", f"{_amount(band.lower)} {upper} at {_rate(band.rate)}: "
                     f"{_amount(band.base)} in the band", band.amount])
    rows += [
        ["INSS (social security)", "Sum of the bands", slip.social_security],
        ["IRRF deductions", _deductions_detail(slip, run), slip.income_tax_deductions],
        ["IRRF base", "Gross pay − IRRF deductions", slip.income_tax_base],
        ["IRRF table tax", f"Base × {_rate(slip.income_tax_rate)} − "
                           f"{_amount(slip.income_tax_deduct)}", slip.table_tax],
        ["IRRF reduction", "Lei 15.270/2025 (on gross pay)" if run.rules == "BR-2026" else
         "None (Payroll Rules = tables)", slip.reduction],
        ["IRRF withheld", "Table tax − reduction", slip.income_tax],
        ["Other deductions", "", slip.other_deductions],
        [_NET_PAY_LABEL, "Gross − INSS − IRRF − other deductions", slip.net_pay],
        ["FGTS (employer)", f"{_rate(fgts_rate)} of gross pay", slip.fgts],
        ["Employer contribution", f"{_rate(settings.employer_contribution_rate)} of gross pay "
                                  "(Config)", slip.employer_extra],
        ["Total employer cost", "Gross pay + FGTS + employer contribution", slip.total_cost],
    ]
    bold = frozenset(n for n, row in enumerate(rows) if row[0] in ("Gross pay", _NET_PAY_LABEL))
    return Block(_SLIP_COLUMNS, rows,
                 heading=f"Employee {slip.employee_id} {slip.name} — {run.period}".replace("  ", " "),
                 links={(0, 1): link} if link else {}, table=False, bold_rows=bold,
                 page_break_before=not first)


def _overtime_detail(slip: Payslip, settings: Settings) -> str:
    if not slip.overtime_hours:
        return ""
    return (f"{_plain(slip.overtime_hours)} h × {_plain(settings.overtime_multiplier)} × "
            f"base salary / {_plain(settings.monthly_hours)} h")


def _deductions_detail(slip: Payslip, run: PayrollRun) -> str:
    if slip.simplified_discount_used:
        return "Simplified discount (larger than INSS + dependents)"
    if not slip.dependents:
        return "INSS"
    per = (slip.income_tax_deductions - slip.social_security) / slip.dependents
    return f"INSS + {slip.dependents} dependent(s) × {_amount(per)}"


def _amount(value: Decimal) -> str:
    """1621 -> "1,621.00"; an amount with more places (a derived deduction) keeps them."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:,.2f}"
    return f"{value.normalize():,f}"


def _rate(rate: Decimal) -> str:
    """0.075 -> "7.5%"."""
    return f"{_plain(rate * 100)}%"


def _plain(value: Decimal) -> str:
    """A number without trailing zeros: 1.50 -> "1.5", 220 -> "220"."""
    return f"{value.normalize():f}"

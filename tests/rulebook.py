"""A small, fully valid workbook for the validation-rule tests, and helpers to break it.

`clean_sheets()` returns a fresh copy of every input sheet as 2-D lists starting at A1 (the shape
`MemoryWorkbook` takes). Tests change one cell, add a row or drop a column, then call
`run_validation` exactly as `addin.jobs.validate_job` does (reading issues + validation issues).

The layout, with the cells the rule tests refer to:

    Config           A Key | B Value; row 2 Period, 4 Functional Currency, 5 Locale,
                     6 Valuation Method
    Orders           A Order ID  B Line  C Order Date  D Customer  E SKU  F Quantity
                     G Unit Price  H Discount  I Tax Rate  J Currency  K Priority    (rows 2-5)
    Invoices         A Invoice No  B Type  C Party  D Issue Date  E Due Date  F Amount  G Tax
                     H Currency  I Account                                            (rows 2-5)
    Payments         A Payment Date  B Type  C Party  D Invoice No  E Amount  F Currency (rows 2-4)
    Payroll          A Employee ID  B Name  C Period  D Base Salary  E Overtime Hours  F Bonus
                     G Other Deductions  H Dependents  I Tax ID  J Bank Account       (rows 2-4)
    Stock            A SKU  B Description  C Opening Qty  D Opening Unit Cost  E Reorder Point
                     F Reorder Qty                                                    (rows 2-4)
    Stock Movements  A Date  B SKU  C Type  D Quantity  E Unit Cost  F Reference      (rows 2-5)
    FX Rates         A Currency  B Date  C Rate                                       (rows 2-4)
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from engine.issues import Issue
from engine.validation import validate
from workbooks.memory import MemoryWorkbook
from workbooks.model import column_number
from workbooks.reading import read_workbook

Sheets = dict[str, list[list[Any]]]

D = date
VALID_CPF = "529.982.247-25"
VALID_CPF_LEADING_ZERO = "012.345.678-90"  # typed as the number 1234567890 it loses its zero
VALID_CNPJ = "11.222.333/0001-81"
VALID_ALNUM_CNPJ = "12.ABC.345/01DE-35"  # the Receita Federal's example of the 2026 format
INVALID_CNPJ = "11.222.333/0001-82"

_CLEAN: Sheets = {
    "Config": [
        ["Key", "Value"],
        ["Period", "2026-10"],
        ["Company", "Acme Comércio Ltda"],
        ["Functional Currency", "BRL"],
        ["Locale", "en"],
        ["Valuation Method", "moving_average"],
        ["Tax Rounding", "line"],
        ["Payroll Rules", "BR-2026"],
    ],
    "Orders": [
        ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price", "Discount",
         "Tax Rate", "Currency", "Priority"],
        ["SO-1001", 1, D(2026, 10, 3), "Acme Ltda", "SKU-1", 10, 12.5, 0, 0.1, "BRL", 0],
        ["SO-1001", 2, D(2026, 10, 3), "Acme Ltda", "SKU-2", 4, 99.9, 0.05, 0.1, "BRL", 1],
        ["SO-1002", 1, D(2026, 10, 7), "Beta S.A.", "SKU-1", 3, 12.5, 0, 0, "USD", 0],
        ["SO-1003", 1, D(2026, 10, 20), "Gama ME", "sku-3", 7, 4.25, "5%", 0.18, None, 2],
    ],
    "Invoices": [
        ["Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Tax", "Currency",
         "Account"],
        ["INV-1", "AR", "Acme Ltda", D(2026, 10, 3), D(2026, 11, 2), 500, 50, "BRL", None],
        ["INV-2", "Sale", "Beta S.A.", D(2026, 10, 7), D(2026, 11, 6), 300, 0, "USD", None],
        ["000123", "AP", "Fornecedor X", D(2026, 10, 5), D(2026, 11, 4), 800, 0, "BRL", "4100"],
        ["B-77", "Purchase", "Fornecedor Y", D(2026, 10, 10), D(2026, 10, 10), 250, 25, None, 4100],
    ],
    "Payments": [
        ["Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"],
        [D(2026, 10, 20), "AR", "Acme Ltda", "INV-1", 200, "BRL"],
        [D(2026, 10, 25), "Receber", "acme ltda", "INV-1", 300, None],
        [D(2026, 10, 28), "AP", "Fornecedor X", "000123", 800, "BRL"],
    ],
    "Payroll": [
        ["Employee ID", "Name", "Period", "Base Salary", "Overtime Hours", "Bonus",
         "Other Deductions", "Dependents", "Tax ID", "Bank Account"],
        ["E001", "Ana Souza", "2026-10", 5000, 10, 0, 0, 2, VALID_CPF, "0001-12345"],
        ["E002", "Bruno Lima", "2026-10", 3200, 0, 150, 80, 0, VALID_CPF_LEADING_ZERO, "0001-555"],
        ["E003", "Carla Dias", "10/2026", 7350, 0, 0, 0, 1, None, None],
    ],
    "Stock": [
        ["SKU", "Description", "Opening Qty", "Opening Unit Cost", "Reorder Point", "Reorder Qty"],
        ["SKU-1", "Widget", 100, 5, 10, 50],
        ["SKU-2", "Gadget", 20, 40, 5, 10],
        ["SKU-3", "Gizmo", 0, 0, 0, 0],
    ],
    "Stock Movements": [
        ["Date", "SKU", "Type", "Quantity", "Unit Cost", "Reference"],
        [D(2026, 10, 2), "SKU-1", "IN", 50, 5.5, "PO-1"],
        [D(2026, 10, 15), "SKU-2", "OUT", 2, None, "Sample"],
        [D(2026, 10, 31), "SKU-3", "Entrada", 20, 3.9, "PO-2"],
        [D(2026, 10, 31), "SKU-1", "ADJ", -1, None, "Count"],
    ],
    "FX Rates": [
        ["Currency", "Date", "Rate"],
        ["USD", D(2026, 10, 1), 5.40],
        ["USD", D(2026, 10, 15), 5.45],
        ["EUR", D(2026, 9, 30), 6.10],
    ],
}


def clean_sheets() -> Sheets:
    """A fresh, deep copy of the clean workbook's sheets."""
    return copy.deepcopy(_CLEAN)


def run_validation(sheets: Sheets) -> list[Issue]:
    """Read and validate, the way `addin.jobs.validate_job` does."""
    data = read_workbook(MemoryWorkbook("book.xlsx", sheets))
    return data.issues + validate(data.tables, data.config, data.config_cells, data.locale)


_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def split_cell(cell: str) -> tuple[int, int]:
    """"F2" -> (row 2, column 6)."""
    match = _CELL.match(cell)
    assert match, cell
    return int(match.group(2)), column_number(match.group(1))


def set_cell(sheets: Sheets, sheet: str, cell: str, value: Any) -> None:
    """Type `value` into `sheet!cell` (the row must exist; the row is widened if needed)."""
    row, col = split_cell(cell)
    cells = sheets[sheet][row - 1]
    cells.extend([None] * (col - len(cells)))
    cells[col - 1] = value


def append_row(sheets: Sheets, sheet: str, row: list[Any]) -> int:
    """Add a row at the bottom of `sheet`; returns its Excel row number."""
    sheets[sheet].append(list(row))
    return len(sheets[sheet])


def copy_row(sheets: Sheets, sheet: str, row: int, **changes: Any) -> int:
    """Append a copy of Excel row `row` with some columns (by header) changed."""
    header = sheets[sheet][0]
    new = list(sheets[sheet][row - 1])
    for name, value in changes.items():
        new[header.index(name.replace("_", " "))] = value
    return append_row(sheets, sheet, new)


def drop_column(sheets: Sheets, sheet: str, header: str) -> None:
    """Remove the column headed `header` (later columns move one to the left)."""
    index = sheets[sheet][0].index(header)
    for cells in sheets[sheet]:
        del cells[index]


def delete_row(sheets: Sheets, sheet: str, row: int) -> None:
    """Remove Excel row `row` (later rows move up)."""
    del sheets[sheet][row - 1]


def run_payroll_flow(sheets: Sheets) -> list[Issue]:
    """The payroll flow's own issues (not validation's), the way `process payroll` finds them."""
    from engine.payroll_run import process_payroll

    data = read_workbook(MemoryWorkbook("book.xlsx", sheets))
    issues = data.issues + validate(data.tables, data.config, data.config_cells, data.locale)
    return process_payroll(data.tables, data.settings, issues, data.locale).issues


def run_invoices(sheets: Sheets) -> list[Issue]:
    """Validation's issues and the invoices flow's, as `backoffice process invoices` reports
    them (the job itself, on an in-memory book)."""
    from datetime import UTC, datetime

    from addin.jobs import Context, invoices_job

    ctx = Context("tester", "host", datetime(2026, 11, 2, tzinfo=UTC))
    return invoices_job(MemoryWorkbook("book.xlsx", sheets), ctx).issues

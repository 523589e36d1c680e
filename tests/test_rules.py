"""Every rule of the catalogue, one fault at a time.

A small clean workbook (tests/rulebook.py) yields no issue at all. Each case breaks exactly one
thing in it and expects exactly one issue: that rule, at that sheet/cell/row/column, with the
catalogue's severity, and a message (in the workbook's language) that names the value.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rulebook import (
    INVALID_CNPJ,
    VALID_ALNUM_CNPJ,
    VALID_CNPJ,
    D,
    Sheets,
    append_row,
    clean_sheets,
    copy_row,
    delete_row,
    drop_column,
    run_invoices,
    run_payroll_flow,
    run_validation,
    set_cell,
    split_cell,
)

from engine.issues import Severity
from engine.rules import RULES, rule
from workbooks.memory import ExcelError

README = Path(__file__).resolve().parents[1] / "README.md"
E, W = Severity.ERROR, Severity.WARNING
Mutation = Callable[[Sheets], Any]

# --------------------------------------------------------------------------- building faults


def put(sheet: str, cell: str, value: Any) -> Mutation:
    """Type `value` into one cell."""
    return lambda sheets: set_cell(sheets, sheet, cell, value)


def add(sheet: str, row: list[Any]) -> Mutation:
    """Append a row."""
    return lambda sheets: append_row(sheets, sheet, row)


def dup(sheet: str, row: int, **changes: Any) -> Mutation:
    """Append a copy of a row with some columns changed (keyword = header, spaces as _)."""
    return lambda sheets: copy_row(sheets, sheet, row, **changes)


def new_sheet(sheet: str, rows: list[list[Any]]) -> Mutation:
    """Add an optional input sheet."""
    return lambda sheets: sheets.update({sheet: rows})


def both(*mutations: Mutation) -> Mutation:
    """Several edits that together make one fault (or set the scene for it)."""
    def apply(sheets: Sheets) -> None:
        for mutation in mutations:
            mutation(sheets)
    return apply


@dataclass(frozen=True)
class Case:
    """One injected fault and the one issue it must produce."""

    name: str
    rule: str
    mutate: Mutation
    sheet: str
    cell: str  # "" for a whole-sheet issue (row is then None)
    column: str
    severity: Severity
    value: str  # Issue.value
    names: str | None = None  # what the message must name (default: value)
    detail: str | None = None  # when given, the whole message is compared with the template
    locale: str = "en"  # Config Locale of the workbook (the message's language)
    run: Callable[[Sheets], list] = run_validation  # a flow rule: the flow's job (run_invoices)

    @property
    def row(self) -> int | None:
        return split_cell(self.cell)[0] if self.cell else None


def _issues_after(mutation: Mutation, locale: str | None = None,
                  run: Callable[[Sheets], list] = run_validation) -> list:
    sheets = clean_sheets()
    if locale is not None:
        set_cell(sheets, "Config", "B5", locale)
    mutation(sheets)
    return run(sheets)


_RESULTS: dict[str, list] = {}


def _issues_for(case: Case) -> list:
    """The issues of a case's workbook, computed once (two tests look at them)."""
    if case.name not in _RESULTS:
        _RESULTS[case.name] = _issues_after(case.mutate, case.locale, case.run)
    return list(_RESULTS[case.name])


CASES: tuple[Case, ...] = (
    # ---- reading
    Case("orders-quantity-not-a-number", "read.unreadable", put("Orders", "F2", "N/A"),
         "Orders", "F2", "Quantity", E, "N/A", detail="a number"),
    Case("invoice-issue-date-not-a-date", "read.unreadable", put("Invoices", "D3", "32/10/2026"),
         "Invoices", "D3", "Issue Date", E, "32/10/2026", detail="data (dd/mm/aaaa ou aaaa-mm-dd)",
         locale="pt-BR"),
    Case("orders-line-not-a-number", "read.unreadable", put("Orders", "B5", "N/A"),
         "Orders", "B5", "Line", E, "N/A"),
    Case("orders-quantity-overflows", "read.unreadable", put("Orders", "F2", "1e400"),
         "Orders", "F2", "Quantity", E, "1e400"),
    Case("orders-price-div0", "read.error_value", put("Orders", "G2", ExcelError("#DIV/0!")),
         "Orders", "G2", "Unit Price", E, "#DIV/0!", detail=""),
    Case("config-period-error", "read.error_value", put("Config", "B2", ExcelError("#N/A")),
         "Config", "B2", "Value", E, "#N/A"),
    # ---- sheets and columns
    Case("no-config-sheet", "sheet.missing", lambda s: s.pop("Config"),
         "Config", "", "", E, "", names='"Config"'),
    Case("movements-without-header", "sheet.no_header", lambda s: s["Stock Movements"].pop(0),
         "Stock Movements", "A1", "", E, "", detail="Date, SKU, Type, Quantity",
         locale="pt-BR"),
    Case("orders-without-quantity-column", "sheet.missing_column",
         lambda s: drop_column(s, "Orders", "Quantity"),
         "Orders", "A1", "Quantity", E, "", names='"Quantity"', detail=""),
    # ---- blanks
    Case("orders-blank-customer", "value.required", put("Orders", "D2", None),
         "Orders", "D2", "Customer", E, "", names="Customer", detail=""),
    Case("orders-whitespace-sku", "value.required", put("Orders", "E3", "   "),
         "Orders", "E3", "SKU", E, "", names="SKU", detail="",
         locale="pt-BR"),
    Case("config-blank-value", "value.required", put("Config", "B3", None),
         "Config", "B3", "Value", E, "", names="Value"),
    # ---- bounds
    Case("orders-quantity-zero", "value.positive", put("Orders", "F2", 0),
         "Orders", "F2", "Quantity", E, "0", detail=""),
    Case("payment-amount-zero", "value.positive", put("Payments", "E3", 0),
         "Payments", "E3", "Amount", E, "0", detail="",
         locale="pt-BR"),
    Case("orders-price-negative", "value.negative", put("Orders", "G2", -1),
         "Orders", "G2", "Unit Price", E, "-1", detail=""),
    Case("payroll-salary-negative-cents", "value.negative", put("Payroll", "D3", -100.5),
         "Payroll", "D3", "Base Salary", E, "-100.5", detail=""),
    Case("orders-tax-rate-typed-as-18", "value.fraction", put("Orders", "I5", 18),
         "Orders", "I5", "Tax Rate", E, "18", detail=""),
    Case("orders-discount-above-one", "value.fraction", put("Orders", "H2", 1.5),
         "Orders", "H2", "Discount", E, "1.5", detail=""),
    Case("orders-tax-rate-negative", "value.fraction", put("Orders", "I2", "-10%"),
         "Orders", "I2", "Tax Rate", E, "-0.1"),
    Case("tax-table-rate-above-one", "value.fraction",
         new_sheet("Tax Tables", [["Table", "Up To", "Rate"], ["IR", 1000, 2]]),
         "Tax Tables", "C2", "Rate", E, "2", detail="",
         locale="pt-BR"),
    Case("payroll-dependents-fraction", "value.whole", put("Payroll", "H2", 1.5),
         "Payroll", "H2", "Dependents", E, "1.5", detail="",
         locale="pt-BR"),
    # ---- allowed values
    Case("invoice-type-unknown", "value.allowed", put("Invoices", "B3", "XX"),
         "Invoices", "B3", "Type", E, "XX", detail="AR, AP"),
    Case("payment-type-unknown", "value.allowed", put("Payments", "B4", "Refund"),
         "Payments", "B4", "Type", E, "Refund", detail="AR, AP",
         locale="pt-BR"),
    Case("fx-currency-typo", "value.currency", put("FX Rates", "A4", "EURO"),
         "FX Rates", "A4", "Currency", E, "EURO", detail=""),
    Case("orders-currency-typo", "value.currency", put("Orders", "J2", "BRX"),
         "Orders", "J2", "Currency", E, "BRX", detail=""),
    Case("config-functional-currency-typo", "value.currency", put("Config", "B4", "BRX"),
         "Config", "B4", "Functional Currency", E, "BRX", detail="",
         locale="pt-BR"),
    # ---- Config
    Case("config-period-word", "config.period", put("Config", "B2", "Oct"),
         "Config", "B2", "Period", E, "Oct", detail=""),
    Case("config-period-row-missing", "config.period", lambda s: delete_row(s, "Config", 2),
         "Config", "A1", "Period", E, "", names="Period"),
    Case("config-period-blank", "config.period", put("Config", "B2", None),
         "Config", "B2", "Period", E, "", names="Period"),
    Case("config-valuation-lifo", "config.value", put("Config", "B6", "lifo"),
         "Config", "B6", "Valuation Method", E, "lifo", detail="use moving_average or fifo"),
    # ---- keys
    Case("orders-repeated-id-and-line", "key.duplicate", put("Orders", "B3", 1),
         "Orders", "B3", "Line", E, "SO-1001 / 1", detail="2"),
    Case("stock-repeated-sku", "key.duplicate", add("Stock", [" sku-2", "Gadget again", 1, 1, 0, 0]),
         "Stock", "A5", "SKU", E, "sku-2", detail="3"),
    Case("payroll-repeated-employee-in-period", "key.duplicate", dup("Payroll", 2, Name="Ana S."),
         "Payroll", "C5", "Period", E, "E001 / 2026-10", detail="2"),
    Case("payroll-same-period-other-spelling", "key.duplicate", dup("Payroll", 4, Period="2026/10"),
         "Payroll", "C5", "Period", E, "E003 / 2026-10", detail="4",
         locale="pt-BR"),
    Case("invoice-repeated-within-type-and-party", "key.duplicate",
         dup("Invoices", 2, Invoice_No="inv-1", Amount=90),
         "Invoices", "A6", "Invoice No", E, "AR / Acme Ltda / inv-1", detail="2"),
    Case("fx-repeated-currency-and-date", "key.duplicate", add("FX Rates", ["usd", D(2026, 10, 15), 5.5]),
         "FX Rates", "B5", "Date", E, "usd / 2026-10-15", detail="3",
         locale="pt-BR"),
    Case("gl-repeated-account", "key.duplicate",
         new_sheet("GL Balances", [["Account", "Balance"], ["3100", 10], [3100, 20]]),
         "GL Balances", "A3", "Account", E, "3100", detail="2"),
    # ---- dates
    Case("invoice-due-before-issue", "invoice.due_before_issue", put("Invoices", "E3", D(2026, 10, 1)),
         "Invoices", "E3", "Due Date", E, "2026-10-01", detail="2026-10-07"),
    Case("order-dated-september", "date.outside_period", put("Orders", "C2", D(2026, 9, 30)),
         "Orders", "C2", "Order Date", W, "2026-09-30", detail="2026-10"),
    Case("movement-dated-november", "date.outside_period", put("Stock Movements", "A3", D(2026, 11, 1)),
         "Stock Movements", "A3", "Date", W, "2026-11-01", detail="2026-10",
         locale="pt-BR"),
    Case("payroll-row-of-september", "payroll.other_period",
         dup("Payroll", 2, Period="2026-09", Base_Salary=4900),
         "Payroll", "C5", "Period", W, "2026-09", detail="2026-10"),
    # ---- tax ids
    Case("cpf-wrong-check-digit", "taxid.invalid", put("Payroll", "I2", "529.982.247-26"),
         "Payroll", "I2", "Tax ID", E, "529.982.247-26", detail="CPF"),
    Case("cpf-all-same-digit", "taxid.invalid", put("Payroll", "I2", "111.111.111-11"),
         "Payroll", "I2", "Tax ID", E, "111.111.111-11", detail="CPF",
         locale="pt-BR"),
    Case("cnpj-wrong-check-digit", "taxid.invalid", put("Payroll", "I3", INVALID_CNPJ),
         "Payroll", "I3", "Tax ID", E, INVALID_CNPJ, detail="CNPJ",
         locale="pt-BR"),
    Case("taxid-wrong-length", "taxid.invalid", put("Payroll", "I3", "ABC-123"),
         "Payroll", "I3", "Tax ID", E, "ABC-123", detail="CPF/CNPJ"),
    # ---- stock
    Case("in-movement-without-unit-cost", "movement.unit_cost_required", put("Stock Movements", "E2", None),
         "Stock Movements", "E2", "Unit Cost", E, "", names="IN", detail=""),
    Case("order-unknown-sku", "stock.unknown_sku", put("Orders", "E3", "SKU-9"),
         "Orders", "E3", "SKU", E, "SKU-9", detail=""),
    Case("movement-unknown-sku", "stock.unknown_sku", put("Stock Movements", "B3", "SKU-9"),
         "Stock Movements", "B3", "SKU", E, "SKU-9", detail="",
         locale="pt-BR"),
    # ---- payments
    Case("payment-unknown-invoice-number", "payment.no_invoice", put("Payments", "D4", "000124"),
         "Payments", "D4", "Invoice No", E, "000124", detail="AP"),
    Case("payment-wrong-type", "payment.no_invoice", put("Payments", "B4", "Receber"),
         "Payments", "D4", "Invoice No", E, "000123", detail="AR",
         locale="pt-BR"),
    Case("payment-over-invoice", "payment.over_outstanding", put("Payments", "E3", 300.01),
         "Payments", "E3", "Amount", W, "INV-1", detail="500.01 against an amount of 500.00"),
    Case("payment-crossing-is-the-later-dated", "payment.over_outstanding",
         add("Payments", [D(2026, 10, 1), "AR", "Acme Ltda", "INV-1", 50, None]),
         "Payments", "E3", "Amount", W, "INV-1", detail="550,00 para um valor de 500,00",
         locale="pt-BR"),
    # ---- FX
    Case("order-currency-without-rates", "fx.missing_rate", put("Orders", "J2", "GBP"),
         "Orders", "J2", "Currency", E, "GBP", detail="2026-10-03"),
    Case("order-before-first-rate", "fx.missing_rate",
         both(put("Orders", "J5", "USD"), put("Orders", "C5", D(2026, 10, 1)),
              put("FX Rates", "B2", D(2026, 10, 2)), put("Invoices", "D3", D(2026, 10, 7))),
         "Orders", "J5", "Currency", E, "USD", detail="2026-10-01"),
    # the payment of that invoice says BRL: a blank Currency would be the invoice's JPY (spec)
    Case("invoice-currency-without-rates", "fx.missing_rate",
         both(put("Invoices", "H2", "JPY"), put("Payments", "F3", "BRL")),
         "Invoices", "H2", "Currency", E, "JPY", detail="2026-10-03",
         locale="pt-BR"),
    # ---- supplier bills
    Case("ap-bill-000123-vs-123", "ap.duplicate_bill",
         dup("Invoices", 4, Invoice_No="123", Issue_Date=D(2026, 11, 20), Due_Date=D(2026, 12, 20),
             Amount=900),
         "Invoices", "A6", "Invoice No", E, "123", detail="4"),
    Case("ap-bill-typed-as-number-other-spelling", "ap.duplicate_bill",
         dup("Invoices", 4, Invoice_No=123.0, Party=" fornecedor x ", Issue_Date=D(2026, 1, 2),
             Due_Date=D(2026, 2, 1), Amount=1),
         "Invoices", "A6", "Invoice No", E, "123", detail="4",
         locale="pt-BR"),
    Case("ap-bill-exact-repeat", "key.duplicate", dup("Invoices", 4),
         "Invoices", "A6", "Invoice No", E, "AP / Fornecedor X / 000123", detail="4"),
    Case("ap-bill-same-supplier-amount-date", "ap.possible_duplicate", dup("Invoices", 5, Invoice_No="B-78"),
         "Invoices", "A6", "Invoice No", W, "B-78", detail="5",
         locale="pt-BR"),
    # ---- the invoices flow (`process invoices`): validation's issues, then the flow's
    Case("payment-dated-before-its-invoice", "payment.before_invoice",
         put("Payments", "A2", D(2026, 10, 1)), "Payments", "A2", "Payment Date", W, "2026-10-01",
         detail="INV-1 (2026-10-03)", run=run_invoices),
    Case("invoice-paid-above-its-amount-in-another-currency", "aging.credit_balance",
         put("Payments", "F2", "USD"), "Invoices", "F2", "Amount", W, "INV-1",
         detail="BRL 890,00 (2026-10-31)", locale="pt-BR", run=run_invoices),
)

# ---- the payroll flow's rules (process payroll): the flow's issues beyond the clean book's own
# (its employee E003 has no Bank Account). Payroll Rules = tables needs both tables' bands.
_SS = [["social_security", 1621, 0.075], ["social_security", 8475.55, 0.14]]
_IT = [["income_tax", 2428.80, 0], ["income_tax", None, 0.275]]
_TAX_HEADER = ["Table", "Up To", "Rate"]


def tables_mode(*rows: list[Any]) -> Mutation:
    """Payroll Rules = tables with these Tax Tables rows (from row 2)."""
    return both(put("Config", "B8", "tables"), new_sheet("Tax Tables", [_TAX_HEADER, *rows]))


PAYROLL_CASES: tuple[Case, ...] = (
    Case("employee-without-bank-account", "payroll.no_bank_account", put("Payroll", "J2", None),
         "Payroll", "J2", "Bank Account", W, "E001", detail=""),
    Case("salary-below-config-minimum-wage", "payroll.below_minimum_wage",
         add("Config", ["Minimum Wage", 3500]),
         "Payroll", "D3", "Base Salary", W, "3200.00", detail="3500.00", locale="pt-BR"),
    # E002: gross 3,350.00 − INSS 290.60 − IRRF 0 − 5,000.00 other deductions = −1,940.60
    Case("deductions-above-pay", "payroll.negative_net_pay", put("Payroll", "G3", 5000),
         "Payroll", "G3", "Other Deductions", E, "-1940.60", detail=""),
    Case("tables-without-social-security", "tax_table.missing", tables_mode(*_IT),
         "Tax Tables", "A1", "Table", E, "social_security", detail=""),
    Case("tax-bands-out-of-order", "tax_table.order",
         tables_mode(["social_security", 1000, 0.1], ["social_security", 900, 0.2], *_IT),
         "Tax Tables", "B3", "Up To", E, "900.00", detail="1000.00"),
    Case("blank-up-to-before-the-last-band", "tax_table.open_band",
         tables_mode(["social_security", None, 0.1], ["social_security", 1000, 0.2], *_IT),
         "Tax Tables", "B2", "Up To", E, "", names="social_security", detail="social_security",
         locale="pt-BR"),
    Case("income-tax-with-a-ceiling", "tax_table.no_open_band",
         tables_mode(*_SS, ["income_tax", 1000, 0], ["income_tax", 2000, 0.1]),
         "Tax Tables", "B5", "Up To", E, "2000.00", detail=""),
    Case("tax-rate-with-eight-places", "tax_table.rate_precision",
         tables_mode(*_SS, ["income_tax", 2428.80, 0], ["income_tax", None, 0.12345678]),
         "Tax Tables", "C5", "Rate", E, "0.12345678", detail=""),
    Case("tax-table-payroll-does-not-use", "tax_table.unknown",
         tables_mode(*_SS, *_IT, ["pension", 1000, 0.1]),
         "Tax Tables", "A6", "Table", W, "pension", detail=""),
)


def _employee(n: int, tax_id: object) -> Mutation:
    return add("Payroll", [f"E{n:03d}", f"Employee {n}", "2026-10", 2000, 0, 0, 0, 0, tax_id, None])


# Edits that look suspicious but are valid: the clean book must stay clean. Independent edits are
# grouped (one workbook each) to keep the suite fast; a failure names the cell that broke.
STILL_CLEAN: tuple[Any, ...] = (
    pytest.param(both(_employee(4, 1234567890),  # CPF 012.345.678-90 typed as a number
                      _employee(5, 1234567890.0),
                      _employee(6, "52998224725"),
                      _employee(7, VALID_CNPJ),
                      _employee(8, 11222333000181),
                      _employee(9, VALID_ALNUM_CNPJ),
                      _employee(10, VALID_ALNUM_CNPJ.lower())),
                 id="valid-cpfs-and-cnpjs-incl-leading-zero-lost-and-alphanumeric"),
    pytest.param(both(dup("Invoices", 2, Party="Beta S.A.", Amount=10),  # same no, another party
                      dup("Invoices", 2, Type="AP", Amount=10, Issue_Date=D(2026, 10, 9)),  # other type
                      dup("Invoices", 4, Invoice_No="123", Issue_Date=D(2025, 10, 5),  # other year
                          Due_Date=D(2025, 11, 4)),
                      dup("Invoices", 5, Invoice_No="B-78", Party="Fornecedor Z"),  # other supplier
                      dup("Invoices", 5, Invoice_No="B-79", Amount=251),  # other amount
                      dup("Invoices", 2, Invoice_No="0INV-1")),  # AR invoices are not supplier bills
                 id="invoice-numbers-that-are-not-duplicates"),
    pytest.param(both(put("Orders", "E2", "  sku-1 "), put("Orders", "J2", " brl "),
                      put("Orders", "H2", "10%"), put("Orders", "I3", 1), put("Orders", "H4", 0),
                      put("Orders", "C4", D(2026, 10, 1)),  # USD on the first rate's date
                      put("Orders", "C5", D(2026, 10, 31)), put("Orders", "J5", "EUR"),  # rate of 09-30
                      put("Orders", "K5", "3")),
                 id="tolerant-orders-values-and-bounds"),
    pytest.param(both(put("Config", "B2", D(2026, 10, 1)), put("Invoices", "B2", "receber"),
                      put("Stock Movements", "C3", "Saída"), put("Stock Movements", "C5", "ajuste")),
                 id="period-typed-as-a-date-and-type-aliases"),
    pytest.param(lambda s: (s["Orders"].insert(3, [None] * 11),
                            s["Orders"].insert(0, ["Orders October 2026"])),
                 id="title-above-the-header-and-a-blank-row"),
    pytest.param(put("Payroll", "I2", 12345000165), id="cnpj-00.012.345/0001-65-typed-as-number"),
    pytest.param(both(put("Orders", "K2", None), put("Orders", "B5", None), put("Payroll", "H4", None)),
                 id="blank-priority-line-and-dependents"),
)


def _params(cases: tuple[Case, ...]) -> list[Any]:
    return [pytest.param(case, id=case.name) for case in cases]


# --------------------------------------------------------------------------- the tests


def test_the_clean_workbook_has_no_issue():
    assert run_validation(clean_sheets()) == []


@pytest.mark.parametrize("mutation", STILL_CLEAN)
def test_valid_variations_stay_clean(mutation):
    assert _issues_after(mutation) == []


@pytest.mark.parametrize("case", _params(CASES))
def test_one_fault_gives_one_issue_at_its_cell(case):
    issues = _issues_for(case)
    assert [(i.rule, i.sheet, i.cell, i.row, i.column) for i in issues] == \
        [(case.rule, case.sheet, case.cell, case.row, case.column)]
    assert issues[0].severity == case.severity == rule(case.rule).severity


def _check_message(case: Case, issues: list) -> None:
    ours = [i for i in issues if i.rule == case.rule]
    assert len(ours) == 1, [(i.address, i.rule, i.message) for i in issues]
    (issue,) = ours
    assert issue.value == case.value
    assert (case.value if case.names is None else case.names) in issue.message
    if case.detail is not None:
        fields = {"column": case.column, "value": case.value, "detail": case.detail}
        assert issue.message == rule(case.rule).message(case.locale, **fields)
        if case.locale == "pt-BR":
            assert issue.message != rule(case.rule).message("en", **fields)


@pytest.mark.parametrize("case", _params(CASES))
def test_the_message_names_the_value_in_the_books_language(case):
    _check_message(case, _issues_for(case))


def test_english_and_portuguese_messages_word_for_word():
    english = next(c for c in CASES if c.name == "orders-quantity-zero")
    assert [i.message for i in _issues_for(english)] == ["Quantity must be greater than 0 (found 0)."]
    portuguese = _issues_after(both(put("Orders", "F2", 0), put("Orders", "F3", "N/A")), locale="pt-BR")
    assert [i.message for i in portuguese] == [
        'Quantity: "N/A" não pode ser lido como número; corrija a célula.',
        "Quantity deve ser maior que 0 (valor 0).",
    ]


def test_a_repeated_key_flags_only_the_later_rows():
    sheets = clean_sheets()
    append_row(sheets, "Stock", ["SKU-1", "again", 0, 0, 0, 0])
    append_row(sheets, "Stock", ["sku-1", "and again", 0, 0, 0, 0])
    issues = run_validation(sheets)
    assert [(i.rule, i.cell, i.value) for i in issues] == \
        [("key.duplicate", "A5", "SKU-1"), ("key.duplicate", "A6", "sku-1")]
    assert all("repeats row 2" in i.message for i in issues)


def test_same_employee_in_another_period_only_warns_other_period():
    sheets = clean_sheets()
    copy_row(sheets, "Payroll", 2, Period="2026-11")
    copy_row(sheets, "Payroll", 2, Period="2026-09")
    issues = run_validation(sheets)
    assert [(i.rule, i.cell, i.severity) for i in issues] == \
        [("payroll.other_period", "C5", W), ("payroll.other_period", "C6", W)]


def test_ap_duplicate_only_within_the_same_calendar_year():
    sheets = clean_sheets()
    copy_row(sheets, "Invoices", 4, Invoice_No="123", Issue_Date=D(2025, 12, 31), Due_Date=D(2026, 1, 30))
    copy_row(sheets, "Invoices", 4, Invoice_No="00123", Issue_Date=D(2026, 1, 1), Due_Date=D(2026, 1, 30))
    issues = run_validation(sheets)
    assert [(i.rule, i.cell, i.value) for i in issues] == [("ap.duplicate_bill", "A7", "00123")]
    assert "repeats row 4" in issues[0].message


def test_config_value_points_at_the_value_cell():
    """config.value names the Config key and says what is allowed."""
    issues = _issues_for(next(c for c in CASES if c.name == "config-valuation-lifo"))
    assert [(i.rule, i.sheet, i.cell, i.row, i.severity, i.value) for i in issues] == \
        [("config.value", "Config", "B6", 6, E, "lifo")]
    assert '"lifo"' in issues[0].message and "moving_average" in issues[0].message


def test_config_value_detail_is_portuguese_in_a_portuguese_book():
    issues = _issues_after(put("Config", "B6", "lifo"), locale="pt-BR")
    assert len(issues) == 1
    assert " or " not in issues[0].message


def test_a_locale_is_either_accepted_or_ignored_not_both():
    issues = _issues_after(lambda s: None, locale="pt")
    assert issues == [] or all(i.message == rule(i.rule).message(
        "en", column=i.column, value=i.value, detail="use en or pt-BR") for i in issues)


def test_blank_order_ids_are_not_a_repeated_key():
    sheets = clean_sheets()
    set_cell(sheets, "Orders", "A4", None)
    set_cell(sheets, "Orders", "A5", None)
    assert [(i.rule, i.cell) for i in run_validation(sheets)] == \
        [("value.required", "A4"), ("value.required", "A5")]


def test_unreadable_lines_are_not_a_repeated_key():
    sheets = clean_sheets()
    set_cell(sheets, "Orders", "B2", "N/A")
    set_cell(sheets, "Orders", "B3", "N/A")
    assert [(i.rule, i.cell) for i in run_validation(sheets)] == \
        [("read.unreadable", "B2"), ("read.unreadable", "B3")]


def test_fx_rates_sheet_is_optional():
    """(validate() used to raise TypeError here: datetime64 < float64 in check_fx.)"""
    sheets = clean_sheets()
    del sheets["FX Rates"]
    for row in sheets["Orders"][1:] + sheets["Invoices"][1:]:
        row[9 if len(row) == 11 else 7] = "BRL"
    assert run_validation(sheets) == []
    set_cell(sheets, "Orders", "J4", "USD")
    assert [(i.rule, i.cell) for i in run_validation(sheets)] == [("fx.missing_rate", "J4")]


@pytest.mark.parametrize(("cell", "key"), [("B4", "Functional Currency"), ("B5", "Locale")])
def test_a_blank_config_value_is_only_a_blank(cell, key):
    """(A blank Config value was once read as the text "nan": Locale 'nan', currency 'NAN'.)"""
    issues = _issues_after(put("Config", cell, None))
    assert [(i.rule, i.cell, i.value) for i in issues] == [("value.required", cell, "")]


def test_a_config_row_without_a_key_is_an_issue_not_a_crash():
    """(A blank Key once made read_workbook raise TypeError: normalise(NaN).)"""
    issues = _issues_after(add("Config", [None, "a note"]))
    assert [(i.rule, i.cell) for i in issues] == [("value.required", "A9")]


def test_in_movements_without_a_unit_cost_column_are_an_error():
    sheets = clean_sheets()
    drop_column(sheets, "Stock Movements", "Unit Cost")
    issues = run_validation(sheets)
    assert [i.column for i in issues if i.severity == E and i.sheet == "Stock Movements"] != []
    assert all("Unit Cost" in i.message for i in issues)


# --------------------------------------------------------------------------- the catalogue


# ---- rules the stock flow finds (not validation): the case runs `process stock` on the book

STOCK_CASES: tuple[Case, ...] = (
    # SKU-2: 20 on hand, 4 sold on 10-03, so 16 left for the OUT on 10-15
    Case("stock-negative", "stock.negative", put("Stock Movements", "D3", 30),
         "Stock Movements", "D3", "Quantity", E, "30", detail="16 units of SKU-2"),
    Case("stock-negative-pt", "stock.negative", put("Stock Movements", "D3", 16.5),
         "Stock Movements", "D3", "Quantity", E, "16.5", detail="16 SKU-2", locale="pt-BR"),
    Case("stock-out-below-zero", "stock.quantity_sign", put("Stock Movements", "D3", -2),
         "Stock Movements", "D3", "Quantity", E, "-2", detail="OUT"),
)


def _stock_issues_for(case: Case) -> list:
    """What `process stock` lists for the case's book (the clean book: none of validation's)."""
    from datetime import UTC, datetime

    from addin.jobs import Context, stock_job
    from workbooks.memory import MemoryWorkbook

    sheets = clean_sheets()
    set_cell(sheets, "Config", "B5", case.locale)
    case.mutate(sheets)
    ctx = Context("tester", "host", datetime(2026, 11, 2, tzinfo=UTC))
    return stock_job(MemoryWorkbook("book.xlsx", sheets), ctx).issues


@pytest.mark.parametrize("case", _params(STOCK_CASES))
def test_one_stock_fault_gives_one_issue_at_its_cell(case):
    issues = _stock_issues_for(case)
    assert [(i.rule, i.sheet, i.cell, i.row, i.column) for i in issues] == \
        [(case.rule, case.sheet, case.cell, case.row, case.column)]
    assert issues[0].severity == case.severity == rule(case.rule).severity
    _check_message(case, issues)


def _payroll_issues_for(case: Case) -> list:
    """The payroll flow's issues of a case's workbook that the clean workbook does not have."""
    baseline = {(i.rule, i.cell) for i in run_payroll_flow(clean_sheets())}
    sheets = clean_sheets()
    if case.locale != "en":
        set_cell(sheets, "Config", "B5", case.locale)
    case.mutate(sheets)
    return [i for i in run_payroll_flow(sheets) if (i.rule, i.cell) not in baseline]


def test_the_clean_workbook_pays_everyone_with_one_warning():
    assert [(i.rule, i.cell) for i in run_payroll_flow(clean_sheets())] == \
        [("payroll.no_bank_account", "J4")]


@pytest.mark.parametrize("case", _params(PAYROLL_CASES))
def test_one_payroll_fault_gives_one_issue_at_its_cell(case):
    issues = _payroll_issues_for(case)
    assert [(i.rule, i.sheet, i.cell, i.row, i.column) for i in issues] == \
        [(case.rule, case.sheet, case.cell, case.row, case.column)]
    assert issues[0].severity == case.severity == rule(case.rule).severity
    _check_message(case, issues)


# ---- the close's rules (backoffice close): what the close finds beyond validation's issues and
# the clean book's own; the book is closed in memory exactly as the `close` step computes it.
_ACCOUNTS_HEADER = ["Role", "Account", "Name"]

CLOSE_CASES: tuple[Case, ...] = (
    Case("account-role-the-close-does-not-use", "accounts.unknown_role",
         new_sheet("Accounts", [_ACCOUNTS_HEADER, ["receivables", "1210", "Clientes"],
                                ["Petty cash", "1010", "Caixinha"]]),
         "Accounts", "A3", "Role", W, "Petty cash"),
    Case("account-role-given-twice", "accounts.repeated_role",
         new_sheet("Accounts", [_ACCOUNTS_HEADER, ["cash", "1010", "Caixa"],
                                ["Cash", "1020", "Banco"]]),
         "Accounts", "A3", "Role", W, "Cash", detail="row 2"),
    Case("account-role-given-twice-pt", "accounts.repeated_role",
         new_sheet("Accounts", [_ACCOUNTS_HEADER, ["revenue", "3000", "Receita"],
                                ["Revenue", "3100", "Vendas"]]),
         "Accounts", "A3", "Role", W, "Revenue", detail="row 2", locale="pt-BR"),
    # USD rates only from 10-06; a BRL payment on 10-03 of USD invoice INV-2 (issued 10-07) has
    # no USD rate to settle the invoice with (validation: a BRL payment needs no rate)
    Case("payment-with-no-rate-for-its-invoice", "journal.no_rate",
         both(put("FX Rates", "B2", D(2026, 10, 6)),
              add("Payments", [D(2026, 10, 3), "AR", "Beta S.A.", "INV-2", 100, "BRL"])),
         "Payments", "A5", "Payment Date", E, "2026-10-03", detail="USD"),
)
# what else the same fault makes a flow say, at the same cell (the aging flow sees the date)
_CLOSE_ALSO = {"payment-with-no-rate-for-its-invoice": [("payment.before_invoice", "A5")]}


def _close_issues(sheets: dict[str, Any]) -> list:
    """Every issue `close` computes for the book (validation's, the flows', the journal's)."""
    from datetime import UTC, datetime

    from addin.close_jobs import compute_close
    from addin.jobs import Context
    from workbooks.memory import MemoryWorkbook

    ctx = Context("tester", "host", datetime(2026, 11, 2, tzinfo=UTC))
    return compute_close(MemoryWorkbook("book.xlsx", sheets), ctx)[1]


def _close_issues_for(case: Case) -> list:
    """The close's own issues for the case's book: not validation's, not the clean book's."""
    baseline = {(i.rule, i.cell) for i in _close_issues(clean_sheets())}
    sheets = clean_sheets()
    if case.locale != "en":
        set_cell(sheets, "Config", "B5", case.locale)
    case.mutate(sheets)
    validation = {(i.rule, i.cell) for i in run_validation(copy.deepcopy(sheets))}
    return [i for i in _close_issues(sheets)
            if (i.rule, i.cell) not in baseline | validation]


def test_the_clean_workbook_closes_with_the_payroll_warning_only():
    assert [(i.rule, i.cell) for i in _close_issues(clean_sheets())] == \
        [("payroll.no_bank_account", "J4")]


@pytest.mark.parametrize("case", _params(CLOSE_CASES))
def test_one_close_fault_gives_one_issue_at_its_cell(case):
    issues = _close_issues_for(case)
    ours = [i for i in issues if i.rule == case.rule]
    assert [(i.rule, i.sheet, i.cell, i.row, i.column) for i in ours] == \
        [(case.rule, case.sheet, case.cell, case.row, case.column)]
    assert sorted((i.rule, i.cell) for i in issues if i.rule != case.rule) == \
        _CLOSE_ALSO.get(case.name, [])
    assert ours[0].severity == case.severity == rule(case.rule).severity
    _check_message(case, ours)


def test_every_rule_is_exercised_by_a_case():
    assert {c.rule for c in CASES + PAYROLL_CASES + STOCK_CASES + CLOSE_CASES} == \
        {r.id for r in RULES}


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("the_rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_is_fully_declared(the_rule):
    assert the_rule.id and the_rule.id == the_rule.id.strip().lower()
    assert the_rule.title.strip()
    assert the_rule.severity in (E, W)
    assert the_rule.en.strip() and the_rule.pt.strip()
    assert the_rule.en != the_rule.pt
    assert _placeholders(the_rule.en) == _placeholders(the_rule.pt)
    assert _placeholders(the_rule.en) <= {"column", "value", "detail"}
    filled = {"column": "C", "value": "V", "detail": "D"}
    assert "{" not in the_rule.message("en", **filled)
    assert "{" not in the_rule.message("pt-BR", **filled)


def test_rule_ids_are_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


def test_every_rule_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    assert [r.id for r in RULES if f"`{r.id}`" not in text] == []

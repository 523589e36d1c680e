"""Aging (engine/aging.py): hand-checked books read the way the jobs read them (MemoryWorkbook ->
read_workbook -> the converters), one real .xlsx, and the rules only aging adds."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from engine.aging import (
    DEFAULT_BUCKETS,
    AgingResult,
    age,
    as_of_date,
    bucket_labels,
    bucket_of,
    parse_buckets,
)
from engine.aging_inputs import cents_column, invoices_from_table, payments_from_table
from engine.fx import convert_cents, rate_book, rates_from_table
from engine.rules import RULES, rule
from engine.validation import validate
from workbooks.memory import MemoryWorkbook
from workbooks.reading import WorkbookData, read_workbook
from workbooks.xlsx_file import FileWorkbook

AS_OF = date(2026, 10, 31)
INV_HEAD = ["Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Currency"]
PAY_HEAD = ["Payment Date", "Type", "Party", "Invoice No", "Amount", "Currency"]
D = Decimal


def read(invoices: list[list], payments: list[list] | None = None, fx: list[list] | None = None,
         config: list[list] | None = None) -> WorkbookData:
    sheets: dict[str, list[list]] = {
        "Config": [["Key", "Value"], ["Period", "2026-10"], *(config or [])],
        "Invoices": [INV_HEAD, *invoices],
    }
    if payments is not None:  # (validate raises on a header-only Payments sheet: reported)
        sheets["Payments"] = [PAY_HEAD, *payments]
    if fx is not None:
        sheets["FX Rates"] = [["Currency", "Date", "Rate"], *fx]
    return read_workbook(MemoryWorkbook("book.xlsx", sheets))


def run(invoices: list[list], payments: list[list] | None = None, fx: list[list] | None = None,
        buckets: tuple[int, ...] = DEFAULT_BUCKETS, locale: str = "en",
        skip_invoice_rows: tuple[int, ...] = ()) -> AgingResult:
    data = read(invoices, payments, fx)
    return age(invoices_from_table(data.tables["Invoices"], "BRL", skip_invoice_rows),
               payments_from_table(data.tables.get("Payments")), AS_OF,
               rates_from_table(data.tables.get("FX Rates"), "BRL"), buckets, locale)


def status(result: AgingResult, *columns: str) -> list[tuple]:
    frame = result.status
    return [tuple(_plain(frame[c].iloc[i]) for c in columns) for i in range(len(frame))]


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def invoice(no: str, days_past_due: int, amount: float = 100.0, kind: str = "AR", party: str = "Acme",
            currency: str | None = None, issued: date = date(2026, 1, 5)) -> list:
    return [no, kind, party, issued, AS_OF - timedelta(days=days_past_due), amount, currency]


# --------------------------------------------------------------------------- buckets


@pytest.mark.parametrize(("days", "label"), [
    (-10, "Current"), (0, "Current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "91-120"), (120, "91-120"), (121, "120+"), (4000, "120+"),
])
def test_every_bucket_boundary(days, label):
    result = run([invoice("A1", days, 250.0)])
    assert status(result, "Days Past Due", "Bucket", "Outstanding") == [(days, label, 25_000)]
    table = result.in_currency["AR"]
    column = table.labels.index(label)
    assert table.rows() == [
        ["Acme", *[D("250.00") if j == column else D("0.00") for j in range(7)], D("250.00")],
        ["Total", *[D("250.00") if j == column else D("0.00") for j in range(7)], D("250.00")],
    ]
    assert bucket_of(days) == label


def test_custom_buckets_come_from_config():
    data = read([], config=[["Aging Buckets", "15; 45"]])
    buckets = data.settings.aging_buckets
    assert buckets == (15, 45)
    assert bucket_labels(buckets) == ("Current", "1-15", "16-45", "45+") == data.settings.aging_labels
    result = run([invoice(str(d), d) for d in (0, 15, 16, 45, 46)], buckets=buckets)
    assert status(result, "Bucket") == [("Current",), ("1-15",), ("16-45",), ("16-45",), ("45+",)]
    assert result.in_currency["AR"].header() == ["Party", "Current", "1-15", "16-45", "45+", "Credit",
                                                 "Total"]
    assert result.in_currency["AR"].rows()[0] == ["Acme", D(100), D(100), D(200), D(100), D(0), D(500)]


@pytest.mark.parametrize(("text", "buckets"), [
    ("30,60,90,120", (30, 60, 90, 120)), ("", DEFAULT_BUCKETS), (" 7 14 ", (7, 14)), ("10", (10,)),
    ("60,30", None), ("0,30", None), ("30,30", None), ("30,sixty", None), ("-5,10", None), ("1.5", None),
])
def test_parse_buckets_reads_as_config_aging_buckets_does(text, buckets):
    assert parse_buckets(text) == buckets
    data = read([], config=[["Aging Buckets", text]] if text else [])
    assert data.settings.aging_buckets == (buckets or DEFAULT_BUCKETS)


def test_the_as_of_date_is_the_last_day_of_the_period():
    assert [as_of_date(p) for p in ("2026-10", "2026-02", "2028-02", "2026-12")] == [
        date(2026, 10, 31), date(2026, 2, 28), date(2028, 2, 29), date(2026, 12, 31)]
    assert read([]).settings.period.last_day == as_of_date("2026-10")


# --------------------------------------------------------------------------- payments


def test_partial_and_late_payments():
    """Paid counts the payments dated on or before the as-of day; a later one waits."""
    result = run([invoice("NF-7", 16, 1000.0)], [
        [date(2026, 10, 10), "AR", "Acme", "NF-7", 300.0, None],
        [date(2026, 10, 31), "AR", "Acme", "NF-7", 0.25, None],   # on the as-of day: counted
        [date(2026, 11, 5), "AR", "Acme", "NF-7", 200.0, None],   # after it: not yet
    ])
    assert status(result, "Amount", "Paid", "Outstanding", "Bucket") == [(100_000, 30_025, 69_975, "1-30")]
    assert result.later_payments.tolist() == [4]
    assert result.in_currency["AR"].rows()[0][2] == D("699.75")


def test_a_fully_paid_invoice_is_listed_as_paid_and_left_out_of_the_tables():
    result = run([invoice("1", 40), invoice("2", 10, party="Beta")],
                 [[date(2026, 10, 1), "AR", "Acme", "1", 100.0, None]])
    assert status(result, "Invoice No", "Outstanding", "Bucket") == [("1", 0, "Paid"), ("2", 10_000, "1-30")]
    assert [r[0] for r in result.in_currency["AR"].rows()] == ["Beta", "Total"]


def test_payments_match_type_party_and_number_as_validation_compares_them():
    result = run([["NF-001", "Receber", "ACME Ltda.", date(2026, 9, 1), date(2026, 10, 1), 500.0, None],
                  ["NF-001", "AP", "ACME Ltda.", date(2026, 9, 1), date(2026, 10, 1), 70.0, None]],
                 [[date(2026, 10, 2), "AR", " acme ltda", "nf 001", 120.0, None],
                  [date(2026, 10, 2), "Pagar", "Acme Ltda", "NF001", 20.0, None],
                  [date(2026, 10, 2), "AR", "Acme", "NF-001", 1.0, None]])  # another party
    assert status(result, "Type", "Paid", "Outstanding") == [("AR", 12_000, 38_000), ("AP", 2_000, 5_000)]
    assert result.unmatched_payments.tolist() == [4]
    assert result.issues == []  # payment.no_invoice is validation's, not reported again


def test_a_repeated_invoice_key_takes_the_payments_on_its_first_row():
    result = run([invoice("9", 5), invoice("9", 5)], [[date(2026, 10, 1), "AR", "Acme", "9", 40.0, None]])
    assert status(result, "Source Row", "Paid") == [(2, 4_000), (3, 0)]


def test_rows_with_validation_errors_can_be_left_out_duplicate_supplier_bills():
    bills = [invoice("000123", 10, 80.0, "AP", "Fornecedor"), invoice("123", 10, 80.0, "AP", "Fornecedor"),
             invoice("124", 10, 80.0, "AP", "Fornecedor")]
    data = read(bills)
    found = validate(data.tables, data.config, data.config_cells)
    assert [(i.rule, i.row) for i in found] == [("ap.duplicate_bill", 3), ("ap.possible_duplicate", 4)]
    errors = {i.row for i in found if i.severity == "error" and i.sheet == "Invoices"}
    result = run(bills, skip_invoice_rows=tuple(errors))
    assert status(result, "Source Row") == [(2,), (4,)]
    assert result.in_functional["AP"].rows()[-1][-1] == D("160.00")
    assert result.issues == []  # the duplicate rules are validation's


# --------------------------------------------------------------------------- cut-off and dates


def test_cut_off_invoices_issued_after_the_as_of_day_are_left_out():
    result = run([invoice("OLD", 3), invoice("NEW", -30, issued=date(2026, 11, 1))],
                 [[date(2026, 10, 30), "AR", "Acme", "NEW", 50.0, None]])
    assert status(result, "Invoice No") == [("OLD",)]
    assert result.in_currency["AR"].rows()[-1][-1] == D("100.00")
    assert [(i.rule, i.cell) for i in result.issues] == [("payment.before_invoice", "A2")]


@pytest.mark.parametrize(("locale", "message"), [
    ("en", "Payment dated 2026-09-30 is before invoice NF-5 (2026-10-01) was issued; check the date or "
           "the Invoice No (an advance is counted against the invoice)."),
    ("pt-BR", "Pagamento de 2026-09-30 anterior à emissão da fatura NF-5 (2026-10-01); confira a data "
              "ou o Nº da fatura (um adiantamento é abatido da fatura)."),
])
def test_a_payment_dated_before_its_invoice_is_a_warning_and_still_counts(locale, message):
    result = run([invoice("NF-5", -5, 300.0, issued=date(2026, 10, 1))],
                 [[date(2026, 9, 30), "AR", "Acme", "NF-5", 100.0, None],
                  [date(2026, 10, 1), "AR", "Acme", "NF-5", 100.0, None]], locale=locale)
    found = [(i.sheet, i.cell, i.row, i.column, i.rule, i.severity, i.message, i.value)
             for i in result.issues]
    assert found == [
        ("Payments", "A2", 2, "Payment Date", "payment.before_invoice", "warning", message, "2026-09-30")]
    assert status(result, "Paid", "Bucket") == [(20_000, "Current")]


# --------------------------------------------------------------------------- credit balances


def test_a_credit_balance_is_its_own_column_never_a_negative_bucket():
    result = run([invoice("C-1", 45, 100.0), invoice("C-2", 45, 30.0)],
                 [[date(2026, 10, 1), "AR", "Acme", "C-1", 60.0, None],
                  [date(2026, 10, 2), "AR", "Acme", "C-1", 60.5, None]])
    assert status(result, "Outstanding", "Bucket") == [(-2_050, "Credit"), (3_000, "31-60")]
    table = result.in_currency["AR"]
    assert table.header() == ["Party", "Current", "1-30", "31-60", "61-90", "91-120", "120+", "Credit",
                              "Total"]
    assert table.rows()[0] == ["Acme", D(0), D(0), D("30.00"), D(0), D(0), D(0), D("-20.50"), D("9.50")]
    assert (table.cents[:, :-1] >= 0).all()
    [issue] = result.issues
    assert (issue.sheet, issue.cell, issue.rule, issue.severity, issue.value) == (
        "Invoices", "F2", "aging.credit_balance", "warning", "C-1")
    assert issue.message == ("Invoice C-1 has a credit balance of BRL 20.50 (2026-10-31): its payments "
                             "exceed its amount, so it is shown as a credit, not aged; refund it or apply "
                             "it to another invoice.")


def test_the_credit_balance_note_adds_to_validations_over_payment_warning_not_repeats_it():
    data = read([invoice("C-1", 45, 100.0)], [[date(2026, 10, 1), "AR", "Acme", "C-1", 120.0, None]])
    validation = validate(data.tables, data.config, data.config_cells)
    result = run([invoice("C-1", 45, 100.0)], [[date(2026, 10, 1), "AR", "Acme", "C-1", 120.0, None]])
    assert [(i.sheet, i.rule) for i in validation] == [("Payments", "payment.over_outstanding")]
    assert [(i.sheet, i.rule) for i in result.issues] == [("Invoices", "aging.credit_balance")]


# --------------------------------------------------------------------------- currencies


FX = [["USD", date(2026, 10, 1), 5.0], ["USD", date(2026, 10, 31), 5.4321], ["USD", date(2026, 11, 1), 9.9]]


def test_a_foreign_invoice_is_aged_in_its_currency_and_converted_at_the_as_of_rate():
    result = run([invoice("U-1", 20, 100.0, currency="USD"), invoice("B-1", 20, 10.0)],
                 [[date(2026, 10, 15), "AR", "Acme", "U-1", 108.64, "BRL"]], fx=FX)
    # 108.64 BRL at 5.0 on the payment date settles 21.728 -> 21.73 USD; 78.27 USD left,
    # 78.27 x 5.4321 = 425.170467 -> 425.17 BRL at the as-of rate (not the later 9.9).
    assert status(result, "Currency", "Paid", "Outstanding", "Outstanding (functional)") == [
        ("USD", 2_173, 7_827, 42_517), ("BRL", 0, 1_000, 1_000)]
    assert result.in_currency["AR"].rows(with_currency=True) == [
        ["Acme", "BRL", D(0), D("10.00"), D(0), D(0), D(0), D(0), D(0), D("10.00")],
        ["Acme", "USD", D(0), D("78.27"), D(0), D(0), D(0), D(0), D(0), D("78.27")],
        ["Total", "BRL", D(0), D("10.00"), D(0), D(0), D(0), D(0), D(0), D("10.00")],
        ["Total", "USD", D(0), D("78.27"), D(0), D(0), D(0), D(0), D(0), D("78.27")],
    ]
    assert result.in_functional["AR"].rows() == [
        ["Acme", D(0), D("435.17"), D(0), D(0), D(0), D(0), D(0), D("435.17")],
        ["Total", D(0), D("435.17"), D(0), D(0), D(0), D(0), D(0), D("435.17")],
    ]
    assert result.missing_rates == ()


def test_a_missing_rate_is_an_issue_once_and_never_a_guess():
    invoices = [invoice("E-1", 3, 50.0, currency="EUR"), invoice("B-1", 3, 10.0)]
    result = run(invoices, fx=FX)
    assert result.missing_rates == ("EUR",)
    assert status(result, "Outstanding", "Rate Missing") == [(5_000, True), (1_000, False)]
    assert result.in_currency["AR"].rows(with_currency=True)[1][:2] == ["Acme", "EUR"]
    assert result.in_functional["AR"].rows()[-1][-1] == D("10.00")  # EUR left out, not converted at 1
    assert result.issues == []
    data = read(invoices, fx=FX)
    assert [(i.rule, i.cell) for i in validate(data.tables, data.config, data.config_cells)] == [
        ("fx.missing_rate", "G2")]


def test_a_payment_whose_currency_cannot_be_converted_is_not_counted():
    result = run([invoice("U-1", 1, 100.0, currency="USD")],
                 [[date(2026, 9, 1), "AR", "Acme", "U-1", 10.0, "BRL"]], fx=FX)  # no USD rate yet
    assert result.unconverted_payments.tolist() == [2]
    assert status(result, "Paid") == [(0,)]


def test_rates_are_the_latest_on_or_before_a_day_and_conversion_is_exact():
    rates = rate_book([("usd", date(2026, 10, 5), D("5.1")), ("USD", date(2026, 10, 1), D("5")),
                       ("USD", date(2026, 10, 5), D("9"))], "brl")  # a repeated date: the first counts
    assert [rates.rate("USD", date(2026, 10, d)) for d in (1, 4, 5, 30)] == [D(5), D(5), D("5.1"), D("5.1")]
    assert rates.rate("USD", date(2026, 9, 30)) is None
    assert rates.rate("BRL", date(1990, 1, 1)) == D(1)
    cents = np.array([1, -1, 5, 1_000_000_000_000_00], dtype=np.int64)
    assert convert_cents(cents, D("0.5")).tolist() == [1, -1, 3, 500_000_000_000_00]
    assert convert_cents(np.array([9_000_000_000_000_000], dtype=np.int64), D("123.456789")).tolist() == [
        int((D(9_000_000_000_000_000) * D("123.456789")).quantize(D(1), rounding="ROUND_HALF_UP"))]


def test_amounts_become_cents_exactly_whatever_their_type():
    values = pd.Series([1.005, 2.675, 0.1, -2.675, float("nan"), 1e15 + 0.25, 19.99, 7.0])
    cents, blank = cents_column(values)
    assert cents.tolist() == [101, 268, 10, -268, 0, 100000000000000020, 1999, 700]  # 1e15+.25 is ...0.2
    assert blank.tolist() == [False, False, False, False, True, False, False, False]
    mixed = pd.Series([D("1.005"), "2.5", 3, np.int64(4), None], dtype=object)
    assert cents_column(mixed)[0].tolist() == [101, 250, 300, 400, 0]


# --------------------------------------------------------------------------- tables


def test_party_tables_per_type_alphabetical_with_the_first_spelling_and_totals():
    result = run([invoice("1", 5, 10.0, party="zeta SA"), invoice("2", 45, 20.0, party="Alfa"),
                  invoice("3", 95, 30.0, party="ZETA S.A."), invoice("4", 0, 7.0, "AP", "Alfa")])
    assert result.in_currency["AR"].rows() == [
        ["Alfa", D(0), D(0), D("20.00"), D(0), D(0), D(0), D(0), D("20.00")],
        ["zeta SA", D(0), D("10.00"), D(0), D(0), D("30.00"), D(0), D(0), D("40.00")],
        ["Total", D(0), D("10.00"), D("20.00"), D(0), D("30.00"), D(0), D(0), D("60.00")],
    ]
    assert result.in_functional["AP"].rows() == [
        ["Alfa", D("7.00"), D(0), D(0), D(0), D(0), D(0), D(0), D("7.00")],
        ["Total", D("7.00"), D(0), D(0), D(0), D(0), D(0), D(0), D("7.00")],
    ]


def test_status_keeps_each_rows_source_and_the_invoice_status_columns():
    result = run([invoice("A", 3, 12.5),
                  ["B", "AP", "Beta", date(2026, 10, 2), date(2026, 11, 1), "1,234.56", None]])
    assert list(result.status.columns[:9]) == ["Type", "Invoice No", "Party", "Due Date", "Amount", "Paid",
                                               "Outstanding", "Days Past Due", "Bucket"]
    columns = ("Type", "Invoice No", "Party", "Amount", "Days Past Due", "Bucket", "Source Row")
    assert status(result, *columns) == [
        ("AR", "A", "Acme", 1_250, 3, "1-30", 2), ("AP", "B", "Beta", 123_456, -1, "Current", 3)]


def test_an_empty_book_ages_to_empty_tables():
    result = run([])
    assert len(result.status) == 0 and result.issues == []
    assert result.in_currency["AR"].rows() == [] and result.in_functional["AP"].rows() == []


def test_a_real_xlsx_file(tmp_path: Path):
    path = tmp_path / "aging.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Config"
    book["Config"].append(["Key", "Value"])
    book["Config"].append(["Period", "2026-10"])
    sheet = book.create_sheet("Faturas")
    sheet.append(["Relatório de faturas"])
    sheet.append(INV_HEAD)
    sheet.append(["NF-1", "Receber", "Cliente Um", date(2026, 8, 1), date(2026, 8, 31), 1500.10, None])
    sheet.append(["NF-2", "Pagar", "Fornecedor", date(2026, 10, 1), date(2026, 11, 10), 99.99, None])
    pays = book.create_sheet("Pagamentos")
    pays.append(PAY_HEAD)
    pays.append([date(2026, 9, 15), "AR", "Cliente Um", "NF-1", 500.05, None])
    book.save(path)
    data = read_workbook(FileWorkbook.open(path))
    result = age(invoices_from_table(data.tables["Invoices"], "BRL"),
                 payments_from_table(data.tables["Payments"]), as_of_date(data.config["period"]),
                 rates_from_table(None, "BRL"))
    assert status(result, "Invoice No", "Outstanding", "Days Past Due", "Bucket", "Source Row") == [
        ("NF-1", 100_005, 61, "61-90", 3), ("NF-2", 9_999, -10, "Current", 4)]
    assert result.sheet == "Faturas"  # Source Row 3 is Faturas!A3
    assert result.in_functional["AR"].rows()[0] == ["Cliente Um", D(0), D(0), D(0), D("1000.05"), D(0), D(0),
                                                    D(0), D("1000.05")]


def test_the_flow_rules_are_in_the_catalogue_and_reported_by_the_flow_not_by_validate():
    early = [[date(2026, 9, 1), "AR", "Acme", "A-1", 10.0, None]]  # before A-1's issue date
    issued = [invoice("A-1", 0, 100.0, issued=date(2026, 10, 1))]
    data = read(issued, early)
    checked = validate(data.tables, data.config, data.config_cells, data.locale)
    for rule_id in ("payment.before_invoice", "aging.credit_balance"):
        the_rule = rule(rule_id)
        assert the_rule.severity == "warning" and the_rule.en != the_rule.pt
        assert "{" not in the_rule.message("pt-BR", column="C", value="V", detail="D")
        assert rule_id in {r.id for r in RULES}  # `process invoices` reports them (README table)
        assert rule_id not in {i.rule for i in checked}  # validate alone never does
    assert [i.rule for i in run(issued, early).issues] == ["payment.before_invoice"]

"""BO_AGING_BUCKET and BO_AGING through xlwings' real Windows UDF path (pywin32 stubbed, as in
test_udfs.py): CallUDF -> call_udf -> conversion.read -> the function -> conversion.write, with
the values pywin32 hands over (floats, COM dates, strings, None, error numbers)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import pytest
import xlwings_stubs as stubs
from xlwings_stubs import DISP_E_PARAMNOTFOUND as MISSING
from xlwings_stubs import FakeComRange

MODULE = "udfs.functions"  # where Excel finds them (udfs.aging is imported into it)
AS_OF = dt.datetime(2026, 10, 31)
INVOICES = [
    ["Invoice No", "Type", "Party", "Issue Date", "Due Date", "Amount", "Currency"],
    ["NF-1", "AR", "Acme", dt.datetime(2026, 8, 1), dt.datetime(2026, 8, 31), 1500.1, None],
    ["NF-2", "Receber", "acme", dt.datetime(2026, 10, 1), dt.datetime(2026, 10, 30), 200.0, "USD"],
    ["NF-3", "AR", "Beta", dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 30), 50.0, None],
    ["B-9", "AP", "Fornecedor", dt.datetime(2026, 6, 1), dt.datetime(2026, 6, 30), 80.0, None],
    ["NF-4", "AR", "Beta", dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 30), 999.0, None],  # cut off
]
PAYMENTS = [
    ["Data", "Tipo", "Parte", "Nº Fatura", "Valor"],
    [dt.datetime(2026, 9, 15), "AR", "Acme", "NF-1", 500.05],
    [dt.datetime(2026, 11, 3), "AR", "Beta", "NF-3", 50.0],  # after the as-of date
    [dt.datetime(2026, 7, 1), "AP", "Fornecedor", "B-9", 100.0],  # a credit balance of 20
]
HEADER = ["Type", "Party", "Currency", "Current", "1-30", "31-60", "61-90", "91-120", "120+", "Credit",
          "Total"]


@pytest.fixture(scope="module")
def xl():
    with stubs.installed() as windows:
        stubs.fresh_import("udfs.aging")
        stubs.fresh_import(MODULE)
        yield windows


def excel(xl, name: str, *args: Any) -> Any:
    return xl.call(MODULE, name, *args, caller=FakeComRange([[None]], row=20, column=12))


def com_range(rows: list[list[Any]]) -> FakeComRange:
    return FakeComRange(stubs.com_rows(rows))


def test_they_are_registered_in_the_module_excel_imports(xl):
    functions = sys.modules[MODULE]
    for name, args in (("BO_AGING_BUCKET", ["due_date", "as_of", "buckets"]),
                       ("BO_AGING", ["invoices", "payments", "as_of", "buckets"])):
        info = getattr(functions, name).__xlfunc__
        assert info["category"] == "Back Office" and [a["name"] for a in info["args"]] == args
        assert all(a["options"]["err_to_str"] is True for a in info["args"])
        assert xl.udfs.func_sig(getattr(functions, name))["defaults"] == ["", ""]


@pytest.mark.parametrize(("due", "label"), [
    (dt.datetime(2026, 11, 5), "Current"), (dt.datetime(2026, 10, 31), "Current"),
    (dt.datetime(2026, 10, 30), "1-30"), (dt.datetime(2026, 10, 1), "1-30"),
    (dt.datetime(2026, 9, 30), "31-60"), (dt.datetime(2026, 9, 1), "31-60"),
    (dt.datetime(2026, 8, 31), "61-90"), (dt.datetime(2026, 8, 2), "61-90"),
    (dt.datetime(2026, 8, 1), "91-120"), (dt.datetime(2026, 7, 3), "91-120"),
    (dt.datetime(2026, 7, 2), "120+"),
    ("02/07/2026", "120+"), (46234.0, "91-120"),  # text dd/mm/yyyy; serial 46234 = 2026-07-31
])
def test_bo_aging_bucket_at_each_boundary(xl, due, label):
    assert excel(xl, "BO_AGING_BUCKET", due, AS_OF, MISSING) == label


def test_bo_aging_bucket_on_a_range_with_custom_buckets_and_bad_cells(xl):
    cells = com_range([[dt.datetime(2026, 10, 20)], [None], ["soon"], [dt.datetime(2026, 9, 1)], ["#N/A"]])
    assert excel(xl, "BO_AGING_BUCKET", cells, "2026-10-31", "15,45") == [
        ["1-15"], [""], ['#BO! due_date "soon" is not a date; type dd/mm/yyyy or yyyy-mm-dd'], ["45+"],
        ["#BO! due_date shows the Excel error #N/A"]]


def test_bo_aging_bucket_defaults_to_today(xl):
    yesterday = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time())
    assert excel(xl, "BO_AGING_BUCKET", yesterday, MISSING, MISSING) == "1-30"


@pytest.mark.parametrize(("as_of", "buckets", "message"), [
    ("yesterday", MISSING, '#BO! as_of "yesterday" is not a date; type dd/mm/yyyy or yyyy-mm-dd'),
    (AS_OF, "60,30", '#BO! buckets "60,30" are not increasing whole numbers of days such as 30,60,90,120'),
    (stubs.COM_ERRORS["#REF!"], MISSING, "#BO! as_of shows the Excel error #REF!"),
])
def test_wrong_arguments_give_a_short_bo_text(xl, as_of, buckets, message):
    assert excel(xl, "BO_AGING_BUCKET", AS_OF, as_of, buckets) == message


def test_bo_aging_gives_the_party_table_per_type_and_currency_with_totals(xl):
    result = excel(xl, "BO_AGING", com_range(INVOICES), com_range(PAYMENTS), AS_OF, MISSING)
    assert result == [
        HEADER,
        ["AR", "Acme", "", 0.0, 0.0, 0.0, 1000.05, 0.0, 0.0, 0.0, 1000.05],
        ["AR", "Acme", "USD", 0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 200.0],
        ["AR", "Beta", "", 50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 50.0],
        ["AR", "Total", "", 50.0, 0.0, 0.0, 1000.05, 0.0, 0.0, 0.0, 1050.05],
        ["AR", "Total", "USD", 0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.0, 200.0],
        ["AP", "Fornecedor", "", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -20.0, -20.0],
        ["AP", "Total", "", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -20.0, -20.0],
    ]


def test_bo_aging_with_custom_buckets(xl):
    result = excel(xl, "BO_AGING", com_range(INVOICES[:2]), com_range(PAYMENTS[:1]), "31/10/2026", 90.0)
    assert result == [["Type", "Party", "Currency", "Current", "1-90", "90+", "Credit", "Total"],
                      ["AR", "Acme", "", 0.0, 1500.1, 0.0, 0.0, 1500.1],
                      ["AR", "Total", "", 0.0, 1500.1, 0.0, 0.0, 1500.1]]


def test_bo_aging_refuses_a_range_with_an_error_naming_its_cell(xl):
    rows = [list(r) for r in INVOICES]
    rows[2][5] = "#DIV/0!"
    rows[3][5] = -5.0
    result = excel(xl, "BO_AGING", com_range(rows), com_range(PAYMENTS), AS_OF, MISSING)
    assert result == ("#BO! Invoices F3: Amount: the cell shows the Excel error #DIV/0!; fix the formula or "
                      "type the value. (and 1 more; BO_VALIDATE lists them)")
    assert excel(xl, "BO_AGING", com_range(INVOICES), stubs.COM_ERRORS["#N/A"], AS_OF, MISSING) == \
        "#BO! payments shows the Excel error #N/A"

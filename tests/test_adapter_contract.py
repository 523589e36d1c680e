"""One contract, two adapters: the in-memory reference and the .xlsx file adapter must read
the same sheets into the same typed tables, with the same source cells and issues."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.table import Table as XlTable
from reports import SHEET, report_sheet

from engine.schema import CONFIG, ORDERS
from workbooks.memory import ExcelError, MemoryWorkbook
from workbooks.model import CellKind, OutputColumn, OutputSheet, TableRange
from workbooks.reading import find_sheet, read_table, read_workbook
from workbooks.xlsx_file import FileWorkbook

ORDERS_ROWS: list[list[object]] = [
    ["Acme orders — October", None, None, None, None, None, None, None, None],
    [None] * 9,
    ["Pedido", "Data", "Cliente", "Produto", "Qtd", "Preço Unitário", "Desconto", "Notes", "Tax"],
    ["00001", date(2026, 10, 3), "Loja A", "00123", 3, 10.5, 0.1, "keep me", 0.18],
    [None] * 9,
    ["A-2", "31/10/2026", "Loja B", "SKU-9", "1.234,56", "R$ 10", "10%", None, None],
    [7, 46300, " Loja C ", 42, "N/A", ExcelError("#N/A"), 1.5, None, None],
]


def _to_file(tmp_path: Path, sheets: dict[str, list[list[object]]],
             tables: dict[str, list[TableRange]]) -> FileWorkbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value.code if isinstance(value, ExcelError) else value)
                if isinstance(value, ExcelError):
                    cell.data_type = "e"
        for t in tables.get(name, []):
            ref = f"{openpyxl.utils.get_column_letter(t.min_col)}{t.min_row}:" \
                  f"{openpyxl.utils.get_column_letter(t.max_col)}{t.max_row}"
            ws.add_table(XlTable(displayName=t.name, ref=ref))
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return FileWorkbook.open(path)


@pytest.fixture(params=["memory", "file"])
def make_book(request, tmp_path):
    def make(sheets, tables=None):
        tables = tables or {}
        if request.param == "memory":
            return MemoryWorkbook("book.xlsx", sheets, tables)
        return _to_file(tmp_path, sheets, tables)
    return make


def test_sheets_are_found_by_alias_case_and_accent_insensitively(make_book):
    book = make_book({"CONFIGURAÇÃO": [["Chave", "Valor"], ["Period", "2026-10"]],
                      "pedidos": [["Pedido"], ["1"]]})
    assert find_sheet(book.sheet_names(), CONFIG) == "CONFIGURAÇÃO"
    assert find_sheet(book.sheet_names(), ORDERS) == "pedidos"
    data = read_workbook(book)
    assert data.config == {"period": "2026-10"}
    assert data.config_cells == {"period": "B2"}


def test_header_row_is_detected_below_titles_and_columns_map_to_cells(make_book):
    table = read_table(make_book({"Orders": ORDERS_ROWS}).grid("Orders"), ORDERS, "pt-BR")
    assert table.header_row == 3
    assert list(table.frame.index) == [4, 6, 7]  # the blank row 5 is skipped
    assert table.cell("Quantity", 6) == "E6"
    assert table.letters["Tax Rate"] == "I"
    assert table.extra_columns == ["Notes"]


def test_values_are_parsed_tolerantly_and_ids_keep_leading_zeros(make_book):
    table = read_table(make_book({"Orders": ORDERS_ROWS}).grid("Orders"), ORDERS, "pt-BR")
    f = table.frame
    assert list(f["Order ID"]) == ["00001", "A-2", "7"]
    assert list(f["SKU"]) == ["00123", "SKU-9", "42"]
    assert list(f["Customer"]) == ["Loja A", "Loja B", "Loja C"]
    assert list(f["Order Date"]) == [pd.Timestamp(2026, 10, 3), pd.Timestamp(2026, 10, 31),
                                     pd.Timestamp(2026, 10, 5)]
    # Exact decimals, not floats: "10%" is exactly 0.1 and "1.234,56" exactly 1234.56.
    assert f.loc[4, "Quantity"] == 3 and f.loc[6, "Quantity"] == Decimal("1234.56")
    assert f.loc[6, "Unit Price"] == 10 and f.loc[6, "Discount"] == Decimal("0.1")
    assert f.loc[4, "Unit Price"] == Decimal("10.5")


def test_unreadable_values_and_error_cells_are_issues_at_their_cells(make_book):
    table = read_table(make_book({"Orders": ORDERS_ROWS}).grid("Orders"), ORDERS, "pt-BR")
    found = {(i.cell, i.rule, i.value) for i in table.issues}
    assert found == {("E7", "read.unreadable", "N/A"), ("F7", "read.error_value", "#N/A")}
    assert pd.isna(table.frame.loc[7, "Quantity"]) and pd.isna(table.frame.loc[7, "Unit Price"])
    assert bool(table.unreadable["Quantity"][7]) and not bool(table.unreadable["Quantity"][4])


def test_missing_required_column_is_one_issue_at_the_header_row(make_book):
    rows = [["Order ID", "Order Date", "SKU", "Quantity", "Unit Price"], ["1", "2026-10-01", "A", 1, 2]]
    table = read_table(make_book({"Orders": rows}).grid("Orders"), ORDERS)
    assert [(i.cell, i.rule, i.column) for i in table.issues] == [
        ("A1", "sheet.missing_column", "Customer")]


def test_an_excel_table_is_the_data(make_book):
    rows = [["Notes about this sheet", None, None],
            ["Order ID", "Qty", "Customer"],
            ["1", 2, "X"],
            ["2", 3, "Y"],
            ["Total", 5, None]]
    book = make_book({"Orders": rows}, {"Orders": [TableRange("T1", 2, 1, 4, 3)]})
    table = read_table(book.grid("Orders"), ORDERS)
    assert table.header_row == 2
    assert list(table.frame.index) == [3, 4]
    assert list(table.frame["Quantity"]) == [2.0, 3.0]


def test_output_sheets_round_trip_through_the_adapter(make_book):
    book = make_book({"Orders": [["Order ID"], ["1"]]})
    sheet = OutputSheet("Order Results",
                        [OutputColumn("Order ID"), OutputColumn("Net", CellKind.MONEY),
                         OutputColumn("Date", CellKind.DATE)],
                        [["00001", Decimal("1234.50"), date(2026, 10, 31)],
                         ["=SUM(A1)", Decimal("-0.01"), datetime(2026, 11, 1, 0, 0)]])
    book.write_sheet(sheet)
    assert book.save() == ["Order Results"]
    if isinstance(book, FileWorkbook):
        book = FileWorkbook.open(book.path)
    grid = book.grid("Order Results")
    rows = [list(r) for r in grid.frame.itertuples(index=False, name=None)]
    assert rows == [["Order ID", "Net", "Date"],
                    ["00001", "1234.5", "2026-10-31 00:00:00"],
                    ["=SUM(A1)", "-0.01", "2026-11-01 00:00:00"]]
    assert [(t.min_row, t.max_row, t.max_col) for t in grid.tables] == [(1, 3, 3)]
    assert "Order Results" in book.sheet_names()


def test_report_sheets_read_back_the_same_through_every_adapter(make_book):
    """Blocks with headings, a totals row and formulas: both adapters read the cached values, and
    the table without its totals row."""
    book = make_book({"Orders": [["Order ID"], ["1"]]})
    book.write_sheet(report_sheet())
    book.save()
    if isinstance(book, FileWorkbook):
        book = FileWorkbook.open(book.path)
    grid = book.grid(SHEET)
    rows = grid.rows()
    assert rows[0][:2] == ["Key figures", None] and rows[1] == ["Region", "Net", "Rate", "Closed"]
    assert rows[5][:2] == ["Total", "2000"]  # SUBTOTAL(109,BO_CloseReport[Net]), cached
    assert [r[1] for r in rows[9:14]] == ["1999.75", "0.3996", "3", "1999.75", "4002.8996"]
    assert rows[12][2] == "big"
    assert [(t.name, t.min_row, t.max_row, t.max_col) for t in grid.tables] == [
        ("BO_CloseReport", 2, 5, 4)]

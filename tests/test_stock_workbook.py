"""The stock flow from a real .xlsx file: read (FileWorkbook) -> validate -> records -> engine,
the way the job will run it. Validation's errors reject their rows; the engine reports only
what validation cannot see (stock going negative), each once, at its cell."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from rulebook import clean_sheets, set_cell

from engine.schema import STOCK_MOVEMENTS
from engine.stock import StockSettings, process_stock, rejections, stock_inputs
from engine.stock_inputs import movements_from_table
from engine.stock_ledger import Status
from engine.tables import Table
from engine.validation import validate
from workbooks.reading import read_workbook
from workbooks.xlsx_file import FileWorkbook


def D(text: str) -> Decimal:
    return Decimal(text)


def _xlsx(sheets: dict, path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([datetime(v.year, v.month, v.day) if type(v) is date else v for v in row])
    wb.save(path)
    return path


def _process(sheets: dict, tmp_path: Path, **config: str):
    data = read_workbook(FileWorkbook.open(_xlsx(sheets, tmp_path / "book.xlsx")))
    found = data.issues + validate(data.tables, data.config, data.config_cells, data.locale)
    inputs = stock_inputs(data.tables, {**data.config, **config}, data.locale)
    return found, process_stock(inputs, rejections(found))


def test_the_clean_book(tmp_path):
    found, outcome = _process(clean_sheets(), tmp_path)
    assert found == [] and outcome.issues == []
    orders = [(o.order_id, o.line, o.net, o.tax, o.total, o.currency, o.total_functional,
               o.allocated, o.backordered, o.status) for o in outcome.orders]
    assert orders == [
        ("SO-1001", 1, D("125.00"), D("12.50"), D("137.50"), "BRL", D("137.50"), 10, 0,
         Status.FULFILLED),
        ("SO-1001", 2, D("379.62"), D("37.96"), D("417.58"), "BRL", D("417.58"), 4, 0,
         Status.FULFILLED),
        # USD on 10-07: the 10-01 rate 5.40; 37.50 x 5.40 = 202.50
        ("SO-1002", 1, D("37.50"), D("0.00"), D("37.50"), "USD", D("202.50"), 3, 0,
         Status.FULFILLED),
        # "sku-3" is SKU-3, ordered 10-20, received only 10-31: backordered
        ("SO-1003", 1, D("28.26"), D("5.09"), D("33.35"), "BRL", D("33.35"), 0, 7,
         Status.BACKORDERED)]
    valuation = {v.sku: (v.closing_qty, v.closing_value, v.cogs, v.source.row) for v in outcome.valuation}
    # SKU-1: 500.00 + 275.00 = 775.00 / 150; sell 10 -> 51.67; sell 3 of 140 (723.33) -> 15.50;
    # ADJ -1 of 137 (707.83) -> 5.17: 136 units worth 702.66
    assert valuation == {"SKU-1": (136, D("702.66"), D("67.17"), 2),
                         "SKU-2": (14, D("560.00"), D("160.00"), 3),
                         "SKU-3": (20, D("78.00"), D("0"), 4)}
    assert [(r.kind, r.reference, r.source.sheet, r.source.row) for r in outcome.ledger
            if r.sku == "SKU-1"] == [("Opening", "", "Stock", 2), ("IN", "PO-1", "Stock Movements", 2),
                                     ("Order", "SO-1001/1", "Orders", 2),
                                     ("Order", "SO-1002/1", "Orders", 4),
                                     ("ADJ", "Count", "Stock Movements", 5)]
    fifo = process_stock(stock_inputs(*_tables(clean_sheets(), tmp_path), "en"))
    assert [v.method for v in fifo.valuation] == ["fifo"] * 3
    # FIFO SKU-1: 10 and 3 from the opening layer at 5.00; ADJ -1 also at 5.00
    assert fifo.valuation[0].closing_value == D("775.00") - D("50.00") - D("15.00") - D("5.00")


def _tables(sheets: dict, tmp_path: Path):
    data = read_workbook(FileWorkbook.open(_xlsx(sheets, tmp_path / "fifo.xlsx")))
    return data.tables, {**data.config, "valuationmethod": "FIFO"}


def test_faults_are_reported_once_at_their_cells(tmp_path):
    sheets = clean_sheets()
    set_cell(sheets, "Stock Movements", "D3", 30)          # OUT 30 of SKU-2 on 10-15
    set_cell(sheets, "Orders", "C4", date(2026, 9, 29))    # USD before the first rate
    set_cell(sheets, "Orders", "F3", 0)                    # SO-1001/2: quantity 0
    found, outcome = _process(sheets, tmp_path)
    assert sorted((i.rule, i.address) for i in found if str(i.severity) == "error") == [
        ("fx.missing_rate", "Orders!J4"), ("value.positive", "Orders!F3")]
    assert [(i.rule, i.address, i.value) for i in outcome.issues] == [
        ("stock.negative", "'Stock Movements'!D3", "30")]
    # 20 on hand: the SKU-2 line of 10-03 (F3) is rejected, so it took nothing
    assert "20 units of SKU-2" in outcome.issues[0].message
    status = {(o.order_id, o.line): (o.status, o.reason) for o in outcome.orders}
    assert status[("SO-1002", 1)] == (
        Status.REJECTED, "No USD rate on or before 2026-09-29 in FX Rates; add the rate for that date.")
    assert status[("SO-1001", 2)] == (Status.REJECTED, "Quantity must be greater than 0 (found 0).")
    sku2 = next(v for v in outcome.valuation if v.sku == "SKU-2")
    assert (sku2.closing_qty, sku2.closing_value, sku2.issued_qty) == (20, D("800.00"), 0)


def test_settings_come_from_config_with_defaults():
    assert StockSettings.from_config({}) == StockSettings("moving_average", "line", "BRL", "en")
    assert StockSettings.from_config({"valuationmethod": "FIFO", "taxrounding": "Total",
                                      "functionalcurrency": " usd "}, "pt-BR") == \
        StockSettings("fifo", "total", "USD", "pt-BR")
    assert StockSettings.from_config({"valuationmethod": "lifo"}).method == "moving_average"


def test_converters_read_floats_exactly_and_blanks_as_none():
    frame = pd.DataFrame({
        "Date": pd.to_datetime(["2026-10-02", None, "2026-10-02"]),
        "SKU": ["SKU-1", "sku 1", None], "Type": ["Entrada", "saída", "bogus"],
        "Quantity": [0.1, float("nan"), 2.5], "Unit Cost": [5.55, float("nan"), float("nan")],
        "Reference": ["PO-1", None, ""]}, index=[4, 5, 9])
    letters = {"Date": "A", "SKU": "B", "Type": "C", "Quantity": "D", "Unit Cost": "E", "Reference": "F"}
    moves = movements_from_table(Table(STOCK_MOVEMENTS, "Movimentos", 3, frame, letters))
    assert [(m.source.sheet, m.source.row, m.source.cell("Quantity"), m.date, m.sku_key, m.kind,
             m.quantity, m.unit_cost, m.reference) for m in moves] == [
        ("Movimentos", 4, "D4", date(2026, 10, 2), "sku1", "IN", D("0.1"), D("5.55"), "PO-1"),
        ("Movimentos", 5, "D5", None, "sku1", "OUT", None, None, ""),
        ("Movimentos", 9, "D9", date(2026, 10, 2), "", None, D("2.5"), None, "")]
    exact = frame.astype({"Quantity": object, "Unit Cost": object})
    exact["Quantity"] = [Decimal("0.1"), None, "2.50"]  # an exact representation works the same
    again = movements_from_table(Table(STOCK_MOVEMENTS, "Movimentos", 3, exact, letters))
    assert [m.quantity for m in again] == [D("0.1"), None, D("2.50")]

"""Write a realistic, full-height Orders workbook for the read benchmarks, fast.

`make_orders_book(path, rows=1_048_575)` writes an .xlsx with

- a Config sheet (Key | Value, Period = 2026-10), and
- an Orders sheet: a header row with the 11 canonical columns of engine.schema.ORDERS and `rows`
  data rows (the default fills the sheet to Excel's last row, 1,048,576), in the shape Excel
  itself saves: a shared-strings table, `r` references on every row and cell, real date
  serials with a date format, and a `<dimension>`.

Values look like real orders: zero-padded text Order IDs ("0000123") shared by the 1-5 lines of
an order, line numbers, October 2026 order dates, ~4,000 customers, ~2,000 zero-padded text
SKUs with a list price each, quantities (some fractional), prices with cents, discounts and tax
rates as fractions, currency "BRL" and a priority 1-3.

A few deliberate traps sit at known rows (see `traps()`): text "N/A" in Quantity on the last
row, an Excel error cell #N/A in Unit Price, a pt-BR text number "1.234,56" in Unit Price, a
date typed as text "31/10/2026" and a number stored as text. `expected_issues()` and
`expected_values()` say what a correct reader must report.

The sheet XML is streamed into the zip (no openpyxl, no extra dependency). Files are cached in
benchmarks/.cache/ and reused when the row count (and this generator's version) match.

    python benchmarks/make_orders_book.py [--rows N] [--out PATH] [--force]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

MAX_ROWS = 1_048_575  # data rows that fit under a header row in Excel's 1,048,576 rows
GENERATOR_VERSION = 1
SEED = 20261031
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
HEADERS = ("Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price",
           "Discount", "Tax Rate", "Currency", "Priority")
LETTERS = "ABCDEFGHIJK"
EXCEL_EPOCH = date(1899, 12, 30)
PERIOD_START = (date(2026, 10, 1) - EXCEL_EPOCH).days  # serial of 2026-10-01

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Styles: 0 General, 1 date (numFmt 14), 2 money (#,##0.00 = 4), 3 percent (0.00% = 10).
S_DATE, S_MONEY, S_PERCENT = 1, 2, 3


@dataclass(frozen=True)
class Trap:
    """A deliberately awkward cell: where it is, what is written, what a reader must make of it."""

    row: int  # Excel row number
    column: str  # canonical column name
    xml: str  # the <c> element written (without the r= reference, added when written)
    written: str  # human description of the cell
    rule: str | None  # the issue rule a reader must report at this cell, or None (no issue)
    value: object = None  # the value a reader must produce when rule is None


def traps(rows: int) -> list[Trap]:
    """The traps of a `rows`-row book, at rows that depend only on `rows`."""
    if rows < 10:
        raise ValueError("the Orders book needs at least 10 data rows to place its traps")
    last = rows + 1
    found = [
        Trap(last, "Quantity", '<c r="{ref}" t="s"><v>{sst:N/A}</v></c>', 'text "N/A"',
             "read.unreadable"),
        Trap(2 + rows // 3, "Unit Price", '<c r="{ref}" t="e"><v>#N/A</v></c>',
             "error cell #N/A", "read.error_value"),
        Trap(2 + rows // 2, "Unit Price", '<c r="{ref}" t="s"><v>{sst:1.234,56}</v></c>',
             'text "1.234,56"', None, Decimal("1234.56")),  # exact, as reading gives it
        Trap(2 + rows // 4, "Order Date", '<c r="{ref}" t="s"><v>{sst:31/10/2026}</v></c>',
             'text "31/10/2026"', None, date(2026, 10, 31)),
        Trap(2 + (2 * rows) // 3, "Quantity", '<c r="{ref}" t="s"><v>{sst:12}</v></c>',
             'number stored as text "12"', None, 12.0),
    ]
    assert len({(t.row, t.column) for t in found}) == len(found)
    return found


def expected_issues(rows: int) -> set[tuple[str, str]]:
    """{(rule, cell)} a correct read of the Orders sheet reports, and nothing else."""
    return {(t.rule, f"{LETTERS[HEADERS.index(t.column)]}{t.row}") for t in traps(rows) if t.rule}


@dataclass(frozen=True)
class Fault:
    """A faulty line of the faulty variant: the one cell made wrong and the rule it breaks."""

    row: int
    column: str
    kind: str  # key of FAULT_KINDS
    rule: str


# kind -> (column, rule). Each faulty line breaks exactly one rule at one cell; the kinds take
# turns so every path is exercised: a number out of range, a text the typed read cannot explain,
# a date outside the Period, a blank required cell, a percentage over 100% and an unknown currency.
FAULT_KINDS: dict[str, tuple[str, str]] = {
    "negative_qty": ("Quantity", "value.positive"),
    "text_price": ("Unit Price", "read.unreadable"),
    "old_date": ("Order Date", "date.outside_period"),
    "no_customer": ("Customer", "value.required"),
    "big_discount": ("Discount", "value.fraction"),
    "bad_currency": ("Currency", "value.currency"),
}


def faults(rows: int, rate: float) -> list[Fault]:
    """The faulty lines of a `rows`-row book with `rate` of its lines faulty (seeded; trap rows
    are never faulty). Empty for rate 0: the plain book."""
    if rate <= 0:
        return []
    rng = random.Random(SEED + 1)  # apart from the values' generator: same book otherwise
    trap_rows = {t.row for t in traps(rows)}
    chosen = sorted(r for r in rng.sample(range(2, rows + 2), round(rows * rate))
                    if r not in trap_rows)
    kinds = list(FAULT_KINDS)
    found = []
    for i, row in enumerate(chosen):
        kind = kinds[i % len(kinds)]
        column, rule = FAULT_KINDS[kind]
        found.append(Fault(row, column, kind, rule))
    return found


def expected_faulty_issues(rows: int, rate: float) -> set[tuple[str, str]]:
    """{(rule, cell)} of the traps and the faulty lines together."""
    return expected_issues(rows) | {
        (f.rule, f"{LETTERS[HEADERS.index(f.column)]}{f.row}") for f in faults(rows, rate)}


def expected_values(rows: int) -> list[tuple[int, str, object]]:
    """[(row, column, value)] a correct read must produce (traps read tolerantly, and IDs)."""
    values: list[tuple[int, str, object]] = [
        (t.row, t.column, t.value) for t in traps(rows) if t.rule is None]
    values += [(2, "Order ID", "0000001"), (2, "Line", 1.0), (2, "Currency", "BRL")]
    return values


# ---------------------------------------------------------------------------------------------
# Value pools

_FIRST = ("Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Henrique", "Isabela",
          "João", "Karina", "Lucas", "Mariana", "Nelson", "Otávio", "Paula", "Rafael", "Sandra",
          "Tiago", "Vanessa")
_LAST = ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
         "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares",
         "Fernandes", "Vieira", "Barbosa")
_TRADE = ("Comércio", "Distribuidora", "Atacado", "Materiais", "Alimentos", "Farmácia",
          "Papelaria", "Ferragens", "Auto Peças", "Supermercado")
_SUFFIX = ("Ltda", "ME", "EIRELI", "S.A.", "& Cia")


def _customers(rng: random.Random, n: int = 4000) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        if rng.random() < 0.3:
            names.add(f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {rng.choice(_LAST)}")
        else:
            names.add(f"{rng.choice(_LAST)} {rng.choice(_TRADE)} {rng.choice(_SUFFIX)}")
    return sorted(names)


def _skus(rng: random.Random, n: int = 2000) -> tuple[list[str], list[str]]:
    codes = sorted(rng.sample(range(1, 100_000), n))
    prices = [repr(round(rng.lognormvariate(3.5, 1.1), 2)) for _ in codes]
    return [f"{c:06d}" for c in codes], prices


# ---------------------------------------------------------------------------------------------
# Package parts


def _content_types(n_sheets: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="{CT_SML}worksheet+xml"/>' for i in range(1, n_sheets + 1))
    return (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT_SML}sheet.main+xml"/>'
            f'{sheets}'
            f'<Override PartName="/xl/styles.xml" ContentType="{CT_SML}styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_SML}sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>')


ROOT_RELS = (XML_DECL + f'<Relationships xmlns="{PKG_REL_NS}">'
             f'<Relationship Id="rId1" Type="{RT}officeDocument" Target="xl/workbook.xml"/>'
             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
             'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
             f'<Relationship Id="rId3" Type="{RT}extended-properties" Target="docProps/app.xml"/>'
             '</Relationships>')

CORE = (XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<dc:creator>benchmarks/make_orders_book.py</dc:creator>'
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-01T00:00:00Z</dcterms:created>'
        '</cp:coreProperties>')

APP = (XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
       'extended-properties"><Application>Microsoft Excel</Application></Properties>')


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, n in enumerate(names, 1))
    return (XML_DECL + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<bookViews><workbookView activeTab="1"/></bookViews>'
            f'<sheets>{sheets}</sheets><calcPr calcId="191029"/></workbook>')


def _workbook_rels(n_sheets: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{RT}worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n_sheets + 1))
    n = n_sheets
    return (XML_DECL + f'<Relationships xmlns="{PKG_REL_NS}">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{RT}styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{RT}sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>')


STYLES = (XML_DECL + f'<styleSheet xmlns="{MAIN_NS}">'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
          '</cellStyleXfs>'
          '<cellXfs count="5">'
          '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
          '</cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '</styleSheet>')

S_HEADER = 4


def _sheet_head(last_ref: str, widths: list[float] | None = None, active: bool = False) -> str:
    cols = ""
    if widths:
        cols = "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                  for i, w in enumerate(widths, 1)) + "</cols>"
    selected = ' tabSelected="1"' if active else ""
    return (XML_DECL + f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<dimension ref="A1:{last_ref}"/>'
            f'<sheetViews><sheetView workbookViewId="0"{selected}>'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>')


SHEET_TAIL = ('</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
              'header="0.3" footer="0.3"/></worksheet>')


class _Strings:
    """The shared-strings table, built as cells are written."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0  # references, for the sst count attribute

    def __call__(self, text: str) -> int:
        """The index of `text`, counting one reference to it."""
        self.count += 1
        return self.intern(text)

    def intern(self, text: str) -> int:
        """The index of `text`, without counting a reference (for pools)."""
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.index)
        return i

    def xml(self) -> bytes:
        items = "".join(
            f'<si><t xml:space="preserve">{escape(s)}</t></si>' if s != s.strip()
            else f"<si><t>{escape(s)}</t></si>" for s in self.index)
        return (XML_DECL + f'<sst xmlns="{MAIN_NS}" count="{self.count}" '
                f'uniqueCount="{len(self.index)}">{items}</sst>').encode()


def _config_sheet(sst: _Strings) -> bytes:
    rows = [("Key", "Value", S_HEADER), ("Period", "2026-10", 0)]
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"{f" s={chr(34)}{s}{chr(34)}" if s else ""}>'
        f'<v>{sst(k)}</v></c><c r="B{r}" t="s"{f" s={chr(34)}{s}{chr(34)}" if s else ""}>'
        f'<v>{sst(v)}</v></c></row>'
        for r, (k, v, s) in enumerate(rows, 1))
    return (_sheet_head("B2", [14, 14]) + body + SHEET_TAIL).encode()


_ROW = ('<row r="{r}" spans="1:11">'
        '<c r="A{r}" t="s"><v>{oid}</v></c>'
        '<c r="B{r}"><v>{line}</v></c>'
        '<c r="C{r}" s="1"><v>{day}</v></c>'
        '<c r="D{r}" t="s"><v>{cust}</v></c>'
        '<c r="E{r}" t="s"><v>{sku}</v></c>'
        '<c r="F{r}"><v>{qty}</v></c>'
        '<c r="G{r}" s="2"><v>{price}</v></c>'
        '<c r="H{r}" s="3"><v>{disc}</v></c>'
        '<c r="I{r}" s="3"><v>{tax}</v></c>'
        '<c r="J{r}" t="s"><v>{ccy}</v></c>'
        '<c r="K{r}"><v>{prio}</v></c>'
        '</row>')
_CELL = '<c r="{ref}"{attrs}><v>{v}</v></c>'
_CELL_ATTRS = (' t="s"', '', ' s="1"', ' t="s"', ' t="s"', '', ' s="2"', ' s="3"', ' s="3"', ' t="s"', '')


def _trap_row(fields: dict[str, object], trap_by_col: dict[int, Trap], sst: _Strings) -> str:
    r = fields["r"]
    sst.count += sum(1 for i in (0, 3, 4, 9) if i not in trap_by_col)
    values = [fields[k] for k in ("oid", "line", "day", "cust", "sku", "qty", "price", "disc",
                                  "tax", "ccy", "prio")]
    cells = []
    for i, letter in enumerate(LETTERS):
        ref = f"{letter}{r}"
        trap = trap_by_col.get(i)
        if trap is None:
            cells.append(_CELL.format(ref=ref, attrs=_CELL_ATTRS[i], v=values[i]))
            continue
        xml = trap.xml.replace("{ref}", ref)
        if "{sst:" in xml:
            start = xml.index("{sst:")
            end = xml.index("}", start)
            xml = xml[:start] + str(sst(xml[start + 5:end])) + xml[end + 1:]
        cells.append(xml)
    return f'<row r="{r}" spans="1:11">' + "".join(cells) + "</row>"


def _faulty_row(fields: dict[str, object], kind: str, sst: _Strings) -> str:
    """A data row with the one fault of `kind` (see FAULT_KINDS)."""
    r = fields["r"]
    if kind == "negative_qty":
        fields["qty"] = "-3"
    elif kind == "old_date":
        fields["day"] = PERIOD_START - 20  # 2026-09-11, before the Period 2026-10
    elif kind == "big_discount":
        fields["disc"] = "1.5"
    elif kind == "bad_currency":
        fields["ccy"] = sst.intern("BRR")
    xml = _ROW.format(**fields)
    if kind == "text_price":
        xml = xml.replace(f'<c r="G{r}" s="2"><v>{fields["price"]}</v></c>',
                          f'<c r="G{r}" s="2" t="s"><v>{sst("n/d")}</v></c>')
    elif kind == "no_customer":
        xml = xml.replace(f'<c r="D{r}" t="s"><v>{fields["cust"]}</v></c>', "")
        sst.count -= 1
    return xml


def _orders_sheet(out, rows: int, sst: _Strings, fault_rate: float = 0.0) -> None:
    """Stream the Orders sheet XML into the open zip member `out`."""
    rng = random.Random(SEED)
    customers = [sst.intern(c) for c in _customers(rng)]
    sku_codes, sku_prices = _skus(rng)
    skus = [sst.intern(s) for s in sku_codes]
    ccy = sst.intern("BRL")
    header = "".join(f'<c r="{LETTERS[i]}1" t="s" s="{S_HEADER}"><v>{sst(h)}</v></c>'
                     for i, h in enumerate(HEADERS))
    out.write((_sheet_head(f"K{rows + 1}", [10, 6, 11, 34, 9, 9, 11, 9, 9, 9, 8], active=True)
               + f'<row r="1" spans="1:11">{header}</row>').encode())
    trap_rows: dict[int, dict[int, Trap]] = {}
    for trap in traps(rows):
        trap_rows.setdefault(trap.row, {})[HEADERS.index(trap.column)] = trap
    fault_rows = {f.row: f.kind for f in faults(rows, fault_rate)}

    discounts = ("0", "0", "0", "0", "0.05", "0.1", "0.025", "0.15")
    taxes = ("0.18", "0.18", "0.17", "0.12", "0.07", "0.04")
    quantities = [str(q) for q in range(1, 25)] + ["1", "2", "3", "5", "10", "50", "100", "2.5",
                                                  "0.75", "12.5"]
    line_counts = (1, 1, 1, 2, 2, 3, 4, 5)
    n_sku, n_cust = len(skus), len(customers)
    rand, randrange, choice = rng.random, rng.randrange, rng.choice
    fmt = _ROW.format

    r, order_no, chunk = 2, 0, []
    last = rows + 1
    while r <= last:
        order_no += 1
        oid = sst.intern(f"{order_no:07d}")
        cust = customers[int(n_cust * rand() ** 1.6)]  # a few big customers, a long tail
        day = PERIOD_START + randrange(31)
        prio = 1 if rand() < 0.15 else (2 if rand() < 0.6 else 3)
        for line in range(1, choice(line_counts) + 1):
            if r > last:
                break
            s = randrange(n_sku)
            fields = dict(r=r, oid=oid, line=line, day=day, cust=cust, sku=skus[s],
                          qty=choice(quantities), price=sku_prices[s], disc=choice(discounts),
                          tax=choice(taxes), ccy=ccy, prio=prio)
            if r in trap_rows:
                chunk.append(_trap_row(fields, trap_rows[r], sst))
            elif r in fault_rows:
                sst.count += 4
                chunk.append(_faulty_row(fields, fault_rows[r], sst))
            else:
                sst.count += 4  # Order ID, Customer, SKU and Currency: interned above
                chunk.append(fmt(**fields))
            r += 1
            if len(chunk) >= 20_000:
                out.write("".join(chunk).encode())
                chunk = []
    out.write(("".join(chunk) + SHEET_TAIL).encode())


def write_orders_book(path: Path, rows: int = MAX_ROWS, compresslevel: int = 6,
                      fault_rate: float = 0.0) -> Path:
    """Write the book to `path` (no caching); `fault_rate` of the lines faulty (see `faults`).
    Returns `path`."""
    if not 10 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 10 and {MAX_ROWS:,}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".partial")
    sst = _Strings()
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        zf.writestr("[Content_Types].xml", _content_types(2))
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("docProps/core.xml", CORE)
        zf.writestr("docProps/app.xml", APP)
        zf.writestr("xl/workbook.xml", _workbook(["Config", "Orders"]))
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(2))
        zf.writestr("xl/styles.xml", STYLES)
        zf.writestr("xl/worksheets/sheet1.xml", _config_sheet(sst))
        with zf.open("xl/worksheets/sheet2.xml", "w") as out:
            _orders_sheet(out, rows, sst, fault_rate)
        zf.writestr("xl/sharedStrings.xml", sst.xml())
    os.replace(temp, path)
    return path


def cached_path(rows: int, fault_rate: float = 0.0) -> Path:
    """Where the cached book of `rows` rows (`fault_rate` of the lines faulty) lives."""
    faulty = f"-faulty{fault_rate * 100:g}pct" if fault_rate > 0 else ""
    return CACHE_DIR / f"orders-{rows}{faulty}.xlsx"


def make_orders_book(path: Path | None = None, rows: int = MAX_ROWS, *,
                     force: bool = False, fault_rate: float = 0.0) -> Path:
    """The Orders benchmark book with `rows` data rows, written to `path` (default: the cache).

    The book is generated once into benchmarks/.cache/ and reused while its recorded row count
    and generator version match; a different `path` gets a copy of the cached file.
    """
    cached = cached_path(rows, fault_rate)
    stamp = cached.with_suffix(".json")
    wanted: dict[str, object] = {"rows": rows, "generator": GENERATOR_VERSION, "seed": SEED}
    if fault_rate > 0:
        wanted["fault_rate"] = fault_rate
    fresh = False
    try:
        fresh = (not force and cached.exists()
                 and json.loads(stamp.read_text()) == {**wanted, "size": cached.stat().st_size})
    except (OSError, ValueError):
        fresh = False
    if not fresh:
        write_orders_book(cached, rows, fault_rate=fault_rate)
        stamp.write_text(json.dumps({**wanted, "size": cached.stat().st_size}))
    if path is None or Path(path).resolve() == cached.resolve():
        return cached
    import shutil

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, path)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=MAX_ROWS, help=f"data rows (default {MAX_ROWS:,})")
    parser.add_argument("--out", type=Path, help="also copy the book here")
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    parser.add_argument("--faulty", type=float, default=0.0, metavar="PCT",
                        help="percent of the lines made faulty, one rule broken each (e.g. 1)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = make_orders_book(args.out, args.rows, force=args.force, fault_rate=args.faulty / 100)
    size = path.stat().st_size / 2**20
    print(f"{path} ({args.rows:,} rows, {size:.1f} MiB) in {time.perf_counter() - start:.1f} s")
    for trap in traps(args.rows):
        col = LETTERS[HEADERS.index(trap.column)]
        outcome = trap.rule or f"read as {trap.value!r}"
        print(f"  trap {col}{trap.row}: {trap.written} -> {outcome}")
    found = faults(args.rows, args.faulty / 100)
    if found:
        kinds = {k: sum(f.kind == k for f in found) for k in FAULT_KINDS}
        print(f"  {len(found):,} faulty lines: " + ", ".join(f"{k} {n:,}" for k, n in kinds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

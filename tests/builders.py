"""Build test workbooks for real (openpyxl + a little zip surgery) and compare two packages part by
part, the way the safe-write tests need it.

Everything here writes only under the folder it is given (a pytest tmp_path).
"""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from shared import CORPUS

HAS_PILLOW = importlib.util.find_spec("PIL") is not None

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/" \
    "officeDocument"
RT_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
CONTENT_TYPES = "[Content_Types].xml"
STYLE_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                  "cellStyles", "dxfs")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

ORDERS_HEADER = ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price",
                 "Discount", "Tax Rate", "Line Total"]
ORDERS_ROWS = [
    ["SO-1001", 1, date(2026, 10, 3), "Acme Ltda", "SKU-1", 10, 12.5, 0, 0.1],
    ["SO-1001", 2, date(2026, 10, 3), "Acme Ltda", "SKU-2", 4, 99.9, 0.05, 0.1],
    ["SO-1002", 1, date(2026, 10, 7), "Beta S.A.", "SKU-1", 3, 12.5, 0, 0],
    ["SO-1003", 1, date(2026, 10, 9), "Gama ME", "SKU-3", 7, 4.25, 0, 0.18],
]


# --------------------------------------------------------------------------- building books


def config_book(path: Path) -> Path:
    """A workbook with only a Config sheet (Period 2026-10): the smallest book a job runs on."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Config"
    ws.append(["Key", "Value"])
    ws.append(["Period", "2026-10"])
    wb.save(path)
    return path


def rich_workbook(folder: Path, name: str = "rich.xlsx") -> Path:
    """A workbook using the features users put in shared books: an Excel Table, a bar chart, data
    validation, conditional formatting, notes, defined names (global and sheet-scoped), merged
    cells, formulas with cached values, an image when Pillow is installed, and the Config and
    Orders sheets the validate job reads."""
    wb = openpyxl.Workbook()
    cached = _orders_sheet(wb)
    _config_sheet(wb)
    _notes_sheet(wb)
    _chart_sheet(wb)
    wb.defined_names["TaxRateDefault"] = DefinedName("TaxRateDefault", attr_text="Config!$B$4")
    wb["Orders"].defined_names["LocalQty"] = DefinedName("LocalQty",
                                                         attr_text="Orders!$F$2:$F$5")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    wb.save(path)
    _fill_formula_cache(path, "xl/worksheets/sheet1.xml", cached)
    return path


def _orders_sheet(wb: openpyxl.Workbook) -> dict[str, str]:
    ws = wb.active
    ws.title = "Orders"
    ws.append(ORDERS_HEADER)
    cached = {}
    for r, row in enumerate(ORDERS_ROWS, start=2):
        ws.append([*row, f"=F{r}*G{r}*(1-H{r})"])
        ws.cell(r, 3).number_format = "yyyy-mm-dd"
        cached[f"J{r}"] = repr(row[5] * row[6] * (1 - row[7]))
    last = len(ORDERS_ROWS) + 1
    table = Table(displayName="OrdersTable", ref=f"A1:J{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    ws.add_table(table)
    qty = DataValidation(type="whole", operator="greaterThan", formula1="0",
                         showErrorMessage=True, error="Quantity must be positive")
    ws.add_data_validation(qty)
    qty.add(f"F2:F{last}")
    red = PatternFill(start_color="FFFFC7CE", end_color="FFFFC7CE", fill_type="solid")
    ws.conditional_formatting.add(f"G2:G{last}",
                                  CellIsRule(operator="greaterThan", formula=["50"], fill=red))
    ws["D2"].comment = Comment("Key account — check credit limit", "Maria Silva")
    ws["A1"].font = Font(bold=True)
    return cached


def _config_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("Config")
    for row in [("Key", "Value"), ("Company", "Acme Comércio Ltda"), ("Period", "2026-10"),
                ("Default Tax", 0.1), ("Functional Currency", "BRL")]:
        ws.append(row)


def _notes_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("Notes")
    ws["A1"] = "Month-end notes"
    ws.merge_cells("A1:D1")
    ws["A3"] = "Prepared by"
    ws["B3"] = "Maria Silva"
    ws.merge_cells("B3:D3")
    if HAS_PILLOW:  # pragma: no cover - Pillow is not a dependency
        from openpyxl.drawing.image import Image
        from PIL import Image as PILImage

        buffer = io.BytesIO()
        PILImage.new("RGB", (24, 16), (200, 30, 30)).save(buffer, format="PNG")
        buffer.seek(0)
        ws.add_image(Image(buffer), "F2")


def _chart_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("Dashboard")
    ws.append(["Month", "Sales"])
    for month, sales in [("Aug", 120), ("Sep", 150), ("Oct", 90)]:
        ws.append([month, sales])
    chart = BarChart()
    chart.title = "Sales by month"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    ws.add_chart(chart, "D2")


def _fill_formula_cache(path: Path, part: str, cached: dict[str, str]) -> None:
    """openpyxl writes formulas with an empty <v>: put the values Excel would have cached."""
    def patch(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        for ref, value in cached.items():
            text, n = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v\s*/?>(</v>)?',
                              rf"\g<1><v>{value}</v>", text)
            assert n == 1, f"formula cell {ref} not found in {part}"
        return text.encode("utf-8")

    rewrite_member(path, part, patch)


def rewrite_member(path: Path, part: str, change) -> None:
    """Rewrite one member of a zip through `change(bytes) -> bytes` (order and names kept)."""
    source = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == part else data)


def macro_workbook(folder: Path, name: str = "macro.xlsm") -> Path:
    """A .xlsm made by openpyxl (keep_vba) from a corpus macro book, with Config and Orders added
    so validate has something to read."""
    source = sorted(CORPUS.glob("*.xlsm"))[0]
    wb = openpyxl.load_workbook(source, keep_vba=True)
    config = wb.create_sheet("Config")
    for row in [("Key", "Value"), ("Period", "2026-10")]:
        config.append(row)
    orders = wb.create_sheet("Orders")
    orders.append(ORDERS_HEADER[:-1])
    for row in ORDERS_ROWS:
        orders.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    wb.save(path)
    return path


def excel_owner_file(book: Path, user: str) -> Path:
    """Excel's owner file `~$<name>` for a book open in Excel by `user` (165 bytes: the length of
    the ANSI name, the name padded with spaces to 54 bytes, then the UTF-16 name)."""
    ansi = user.encode("latin-1")
    data = bytes([len(ansi)]) + ansi.ljust(53, b" ")
    data += b"\x00" + user.encode("utf-16-le").ljust(110, b"\x00")
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(data[:165].ljust(165, b"\x00"))
    return owner


def copy_into(source: Path, folder: Path, name: str | None = None) -> Path:
    """Copy a (read-only) workbook into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    return target


# --------------------------------------------------------------------------- comparing packages


@dataclass
class Comparison:
    """How a written package compares with its original."""

    identical: int = 0  # original members (not shared) byte-identical after uncompressing
    shared: list[str] = field(default_factory=list)  # shared parts checked element by element
    elements: int = 0  # original elements of the shared parts found unchanged
    added: list[str] = field(default_factory=list)  # members the writer added
    problems: list[str] = field(default_factory=list)


def shared_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """{role: member} of the four parts the writer may edit: workbook, its rels, content types,
    styles (when the original has one)."""
    workbook = "xl/workbook.xml"
    for rel in _parse(zf.read("_rels/.rels")).iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Type") == RT_OFFICE_DOCUMENT:
            workbook = rel.get("Target", workbook).lstrip("/")
    folder, _, leaf = workbook.rpartition("/")
    rels = f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"
    parts = {"workbook": workbook, "rels": rels, "types": CONTENT_TYPES}
    for rel in _parse(zf.read(rels)).iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Type") == RT_STYLES:
            target = rel.get("Target", "")
            parts["styles"] = target.lstrip("/") if target.startswith("/") else \
                (f"{folder}/{target}" if folder else target)
    return parts


def compare_packages(original: Path | bytes, written: Path | bytes) -> Comparison:
    """Every original member must be present; members other than the shared parts byte-identical
    (uncompressed) and in the same order; the shared parts must still hold every original element
    (workbook.xml: each original child and grandchild, in place; rels: each Relationship; content
    types: each Default/Override; styles.xml: each entry of the indexed sections at its index)."""
    result = Comparison()
    with _zip(original) as zo, _zip(written) as zw:
        shared = shared_parts(zo)
        old_names, new_names = zo.namelist(), zw.namelist()
        result.added = [n for n in new_names if n not in set(old_names)]
        missing = [n for n in old_names if n not in set(new_names)]
        result.problems += [f"{n}: missing from the written file" for n in missing]
        kept_order = [n for n in new_names if n in set(old_names)]
        if kept_order != [n for n in old_names if n not in missing]:
            result.problems.append("original members are not in their original order")
        bad = zw.testzip()
        if bad:
            result.problems.append(f"{bad}: corrupt in the written file")
        for name in old_names:
            if name in missing or name in shared.values():
                continue
            if zo.read(name) == zw.read(name):
                result.identical += 1
            else:
                result.problems.append(f"{name}: changed")
        checks = {"workbook": _check_workbook, "rels": _check_rels, "types": _check_types,
                  "styles": _check_styles}
        for role, part in shared.items():
            if part in missing:
                continue
            found, problems = checks[role](_parse(zo.read(part)), _parse(zw.read(part)))
            result.shared.append(part)
            result.elements += found
            result.problems += [f"{part}: {p}" for p in problems]
        result.problems += _check_new_parts(zw, result.added)
    return result


def _zip(source: Path | bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def c14n(element: etree._Element) -> bytes:
    """Canonical form of an element (attribute order and quoting no longer matter)."""
    return etree.tostring(element, method="c14n")


def _same_root(old: etree._Element, new: etree._Element) -> list[str]:
    problems = []
    if old.tag != new.tag:
        problems.append(f"root is {new.tag}, was {old.tag}")
    if dict(old.attrib) != dict(new.attrib):
        problems.append(f"root attributes {dict(new.attrib)} were {dict(old.attrib)}")
    if old.nsmap != new.nsmap:
        problems.append("root namespace declarations changed")
    return problems


def _check_workbook(old: etree._Element, new: etree._Element) -> tuple[int, list[str]]:
    """Each original child of the root in place, with its attributes and, in order, its original
    children (c14n); new children may only be appended to <sheets>."""
    problems = _same_root(old, new)
    found = 0
    old_children, new_children = list(old), list(new)
    if len(new_children) != len(old_children):
        problems.append(f"{len(new_children)} top-level elements, was {len(old_children)}")
    for index, (was, now) in enumerate(zip(old_children, new_children, strict=False)):
        label = etree.QName(was).localname if isinstance(was.tag, str) else str(was.tag)
        if len(was) == 0 or label not in {"sheets", "definedNames", "bookViews", "customWorkbookViews",
                                          "externalReferences", "fileRecoveryPr", "extLst"}:
            if c14n(was) == c14n(now):
                found += 1
            else:
                problems.append(f"<{label}> #{index} changed")
            continue
        if was.tag != now.tag or dict(was.attrib) != dict(now.attrib):
            problems.append(f"<{label}> #{index} changed its tag or attributes")
            continue
        kept = [c14n(c) for c in now][: len(was)]
        for position, child in enumerate(was):
            if position < len(kept) and c14n(child) == kept[position]:
                found += 1
            else:
                problems.append(f"<{label}> child #{position} changed or moved")
        if len(now) > len(was) and label != "sheets":
            problems.append(f"<{label}> gained {len(now) - len(was)} children")
    return found, problems


def _entries(root: etree._Element, tag: str) -> list[tuple[tuple[str, str], ...]]:
    return [tuple(sorted(el.attrib.items())) for el in root.iter(tag)]


def _check_rels(old: etree._Element, new: etree._Element) -> tuple[int, list[str]]:
    problems = _same_root(old, new)
    tag = f"{{{PKG_REL}}}Relationship"
    now = set(_entries(new, tag))
    was = _entries(old, tag)
    problems += [f"relationship {dict(r)} lost or changed" for r in was if r not in now]
    ids = [el.get("Id") for el in new.iter(tag)]
    if len(ids) != len(set(ids)):
        problems.append("duplicate relationship ids")
    return sum(r in now for r in was), problems


def _check_types(old: etree._Element, new: etree._Element) -> tuple[int, list[str]]:
    problems = _same_root(old, new)
    found = 0
    for tag in (f"{{{CT}}}Default", f"{{{CT}}}Override"):
        now = set(_entries(new, tag))
        for entry in _entries(old, tag):
            if entry in now:
                found += 1
            else:
                problems.append(f"{etree.QName(tag).localname} {dict(entry)} lost or changed")
    names = [el.get("PartName", "").casefold() for el in new.iter(f"{{{CT}}}Override")]
    if len(names) != len(set(names)):
        problems.append("duplicate Override entries")
    return found, problems


def _check_styles(old: etree._Element, new: etree._Element) -> tuple[int, list[str]]:
    """Indexed sections: every original entry at its index (count updated); the rest unchanged."""
    problems = _same_root(old, new)
    found = 0
    new_sections = {etree.QName(el).localname: el for el in new if isinstance(el.tag, str)}
    for was in old:
        if not isinstance(was.tag, str):
            continue
        name = etree.QName(was).localname
        now = new_sections.get(name)
        if now is None:
            problems.append(f"<{name}> lost")
            continue
        if name not in STYLE_SECTIONS:
            if c14n(was) == c14n(now):
                found += 1
            else:
                problems.append(f"<{name}> changed")
            continue
        entries = [c14n(c) for c in now]
        for index, entry in enumerate(was):
            if index < len(entries) and c14n(entry) == entries[index]:
                found += 1
            else:
                problems.append(f"<{name}> entry #{index} changed or moved")
        if now.get("count") is not None and now.get("count") != str(len(now)):
            problems.append(f"<{name}> count={now.get('count')} but holds {len(now)}")
    return found, problems


def _check_new_parts(zw: zipfile.ZipFile, added: list[str]) -> list[str]:
    """Each added member has a content type and parses as XML."""
    types = _parse(zw.read(CONTENT_TYPES))
    overrides = {el.get("PartName", "").lstrip("/") for el in types.iter(f"{{{CT}}}Override")}
    defaults = {el.get("Extension", "").casefold() for el in types.iter(f"{{{CT}}}Default")}
    problems = []
    for name in added:
        if name not in overrides and name.rpartition(".")[2].casefold() not in defaults:
            problems.append(f"{name}: added without a content type")
        try:
            _parse(zw.read(name))
        except etree.XMLSyntaxError as exc:
            problems.append(f"{name}: added part is not well-formed XML ({exc})")
    return problems


def members(path: Path) -> dict[str, bytes]:
    """{member: uncompressed bytes}, in zip order."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}

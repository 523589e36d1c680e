"""The structure of an .xlsx package: its sheets, their parts and their Excel Tables."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from workbooks.model import TableRange, column_number
from workbooks.xlsx.ooxml import (
    REL,
    RT_OFFICE_DOCUMENT,
    RT_TABLE,
    RT_WORKSHEET,
    parse,
    q,
    read_rels,
    rels_path,
)


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as listed in workbook.xml."""

    name: str
    sheet_id: int
    rid: str
    part: str
    is_worksheet: bool
    state: str = "visible"


@dataclass
class Package:
    """What we need to know of a package to read it and to add or replace our own sheets."""

    workbook_part: str
    sheets: list[SheetEntry]
    members: set[str]
    tables: dict[str, list[TableRange]] = field(default_factory=dict)
    table_parts: dict[str, list[str]] = field(default_factory=dict)
    table_ids: set[int] = field(default_factory=set)
    table_names: set[str] = field(default_factory=set)
    defined_names: set[str] = field(default_factory=set)
    structure_locked: bool = False
    date1904: bool = False

    def sheet(self, name: str) -> SheetEntry | None:
        """The sheet with this exact name (Excel names are case-insensitive)."""
        for entry in self.sheets:
            if entry.name.casefold() == name.casefold():
                return entry
        return None


def read_package(path: Path) -> Package:
    """Read workbook.xml, its relationships and every sheet's tables."""
    with zipfile.ZipFile(path) as zf:
        members = set(zf.namelist())
        workbook_part = _workbook_part(zf)
        root = parse(zf.read(workbook_part))
        rels = read_rels(_maybe(zf, rels_path(workbook_part)), workbook_part)
        sheets = [_sheet_entry(el, rels) for el in root.iter(q("sheet"))]
        package = Package(workbook_part, sheets, members)
        package.defined_names = {el.get("name", "").casefold() for el in root.iter(q("definedName"))}
        props = root.find(q("workbookPr"))
        package.date1904 = props is not None and props.get("date1904") in {"1", "true"}
        protection = root.find(q("workbookProtection"))
        package.structure_locked = protection is not None and protection.get("lockStructure") in {
            "1", "true"}
        for entry in sheets:
            _read_tables(zf, entry, package)
    return package


def _maybe(zf: zipfile.ZipFile, name: str) -> bytes | None:
    return zf.read(name) if name in zf.NameToInfo else None


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for _rid, (rtype, target, _mode) in read_rels(zf.read("_rels/.rels"), "").items():
        if rtype == RT_OFFICE_DOCUMENT:
            return target
    return "xl/workbook.xml"


def _sheet_entry(el, rels: dict[str, tuple[str, str, str]]) -> SheetEntry:
    rid = el.get(q("id", REL), "")
    rtype, target, _mode = rels.get(rid, ("", "", ""))
    return SheetEntry(el.get("name", ""), int(el.get("sheetId", "0")), rid, target,
                      rtype == RT_WORKSHEET, el.get("state", "visible"))


def _read_tables(zf: zipfile.ZipFile, entry: SheetEntry, package: Package) -> None:
    rels = read_rels(_maybe(zf, rels_path(entry.part)), entry.part)
    for rtype, target, _mode in rels.values():
        if rtype != RT_TABLE or target not in zf.NameToInfo:
            continue
        table = parse(zf.read(target))
        package.table_parts.setdefault(entry.name, []).append(target)
        package.table_ids.add(int(table.get("id", "0")))
        name = table.get("displayName") or table.get("name") or ""
        package.table_names.add(name.casefold())
        bounds = parse_ref(table.get("ref", "A1:A1"))
        header_rows = int(table.get("headerRowCount", "1"))
        totals = int(table.get("totalsRowCount", "0"))
        if header_rows:
            package.tables.setdefault(entry.name, []).append(
                TableRange(name, bounds[0], bounds[1], bounds[2] - totals, bounds[3]))


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """"B3:F40" -> (3, 2, 40, 6)."""
    first, _, last = ref.replace("$", "").partition(":")
    last = last or first
    return (*_cell(first), *_cell(last))  # type: ignore[return-value]


def _cell(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits), column_number(letters)



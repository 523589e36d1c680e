"""The structure of an .xlsx package: its sheets, their parts and their Excel Tables."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from engine.errors import UnreadableWorkbook
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
from workbooks.xlsx.screening import FIX_SAVE_XLSX, refusal


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
    """Read workbook.xml, its relationships and every sheet's tables.

    A part that is not what Excel writes (no sheet list, a sheet without a name, id or part, two
    sheets with one name, a table with a broken range, XML that does not parse) is refused with
    UnreadableWorkbook, naming the part: Excel would repair such a file, so we do not guess.
    """
    try:
        return _read_package(path)
    except _Damaged as problem:
        raise refusal(path, f"part {problem.part} {problem.what} (damaged or not written by "
                            f"Excel); {FIX_SAVE_XLSX}") from None


def unreadable_part(path: Path, entry: SheetEntry, problem: Exception) -> UnreadableWorkbook:
    """The refusal of a sheet part the cell reader (calamine) could not read."""
    reason = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    return refusal(path, f'part {entry.part} (sheet "{entry.name}") could not be read ({reason}); '
                         f"{FIX_SAVE_XLSX}")


class _Damaged(Exception):
    """What is wrong with which part; read_package turns it into the user's message."""

    def __init__(self, part: str, what: str) -> None:
        super().__init__(f"{part}: {what}")
        self.part, self.what = part, what


def _read_package(path: Path) -> Package:
    with zipfile.ZipFile(path) as zf:
        members = set(zf.namelist())
        workbook_part = _workbook_part(zf)
        root = _parse(zf, workbook_part)
        rels = _rels(zf, workbook_part)
        sheets = _sheet_entries(root, rels, workbook_part, members)
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


def _parse(zf: zipfile.ZipFile, part: str) -> etree._Element:
    try:
        return parse(zf.read(part))
    except etree.XMLSyntaxError as exc:
        raise _Damaged(part, f"is not well-formed XML ({exc})") from None


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str]]:
    """The relationships of `part` ({} when it has none)."""
    name = rels_path(part)
    try:
        return read_rels(_maybe(zf, name), part)
    except etree.XMLSyntaxError as exc:
        raise _Damaged(name, f"is not well-formed XML ({exc})") from None


def _maybe(zf: zipfile.ZipFile, name: str) -> bytes | None:
    return zf.read(name) if name in zf.NameToInfo else None


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for _rid, (rtype, target, _mode) in _rels(zf, "").items():
        if rtype == RT_OFFICE_DOCUMENT:
            return target
    return "xl/workbook.xml"


def _sheet_entries(root: etree._Element, rels: dict[str, tuple[str, str, str]], part: str,
                   members: set[str]) -> list[SheetEntry]:
    """The sheets of workbook.xml, each with a name, a sheetId and a part of its own."""
    lists = root.findall(q("sheets"))
    if len(lists) != 1 or not len(lists[0].findall(q("sheet"))):
        raise _Damaged(part, "has no list of sheets" if not lists else
                       "lists no sheet" if len(lists) == 1 else "has two lists of sheets")
    entries: list[SheetEntry] = []
    for el in lists[0].findall(q("sheet")):
        entry = _sheet_entry(el, rels, part)
        if not entry.name:
            raise _Damaged(part, f"has a sheet without a name (sheetId {entry.sheet_id})")
        for other in entries:
            if other.name.casefold() == entry.name.casefold():
                raise _Damaged(part, f'lists the sheet "{entry.name}" twice')
            if other.sheet_id == entry.sheet_id:
                raise _Damaged(part, f'gives the sheets "{other.name}" and "{entry.name}" the same '
                                     f"sheetId {entry.sheet_id}")
        if entry.part not in members:
            raise _Damaged(part, f'links the sheet "{entry.name}" to a part that is missing '
                                 f"(r:id {entry.rid or 'none'!r})")
        entries.append(entry)
    return entries


def _sheet_entry(el: etree._Element, rels: dict[str, tuple[str, str, str]], part: str) -> SheetEntry:
    name, rid = el.get("name", ""), el.get(q("id", REL), "")
    rtype, target, _mode = rels.get(rid, ("", "", ""))
    sheet_id = _whole(el.get("sheetId"), part, f'the sheetId of the sheet "{name}"')
    return SheetEntry(name, sheet_id, rid, target, rtype == RT_WORKSHEET, el.get("state", "visible"))


def _whole(value: str | None, part: str, what: str, *, default: int | None = None) -> int:
    """An attribute that must be a whole number (unsignedInt), else the part is damaged."""
    if value is None and default is not None:
        return default
    if value is None or not _DIGITS.fullmatch(value.strip()):
        raise _Damaged(part, f"has {what} = {value!r}, not a whole number")
    return int(value)


def _read_tables(zf: zipfile.ZipFile, entry: SheetEntry, package: Package) -> None:
    for rtype, target, _mode in _rels(zf, entry.part).values():
        if rtype != RT_TABLE or target not in zf.NameToInfo:
            continue
        table = _parse(zf, target)
        package.table_parts.setdefault(entry.name, []).append(target)
        package.table_ids.add(_whole(table.get("id"), target, "the table id"))
        name = table.get("displayName") or table.get("name") or ""
        package.table_names.add(name.casefold())
        try:
            bounds = parse_ref(table.get("ref", ""))
        except ValueError:
            raise _Damaged(target, f"has the range ref = {table.get('ref')!r}, not a range "
                                   "like A1:D10") from None
        header_rows = _whole(table.get("headerRowCount"), target, "headerRowCount", default=1)
        totals = _whole(table.get("totalsRowCount"), target, "totalsRowCount", default=0)
        if header_rows:
            package.tables.setdefault(entry.name, []).append(
                TableRange(name, bounds[0], bounds[1], bounds[2] - totals, bounds[3]))


_DIGITS = re.compile(r"[0-9]{1,10}")
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """"B3:F40" -> (3, 2, 40, 6); ValueError for anything but a cell or a range of cells."""
    first, _, last = ref.partition(":")
    top, left = _cell(first)
    bottom, right = _cell(last or first)
    return top, left, bottom, right


def _cell(ref: str) -> tuple[int, int]:
    match = _CELL.fullmatch(ref)
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, column = int(match.group(2)), column_number(match.group(1))
    if not (1 <= row <= 1_048_576 and column <= 16_384):
        raise ValueError(f"outside the sheet: {ref!r}")
    return row, column

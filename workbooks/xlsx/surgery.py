"""Package surgery for a save: the tool-owned sheets put into a workbook's parts (sheet, table,
drawing and chart parts, relationships, content types, defined names, styles), the state sheet
last, and the sheets' XML rendered (the biggest by a forked child on another core). Used by
`workbooks.xlsx_file.FileWorkbook.save`, which writes the parts safely.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from workbooks.layout import LaidTable, Layout, lay_out
from workbooks.model import OutputSheet
from workbooks.xlsx import forked
from workbooks.xlsx.charts import CT_CHART, CT_DRAWING, RT_DRAWING, make_charts
from workbooks.xlsx.mark_surgery import PackageEdit
from workbooks.xlsx.ooxml import (
    CT_TABLE,
    CT_WORKSHEET,
    PKG_REL,
    REL,
    RT_STYLES,
    RT_TABLE,
    RT_WORKSHEET,
    parse,
    q,
    read_rels,
    relative,
    rels_path,
    resolve,
    serialise,
)
from workbooks.xlsx.package import Package, SheetEntry
from workbooks.xlsx.sheetxml import (
    cell_count,
    register_styles,
    render_sheet,
    render_table,
    sheet_pieces,
)
from workbooks.xlsx.styles import StyleBook
from workbooks.xlsx.zipcopy import (
    Inflated,
    Part,
)

STATE_SHEET = "_BackOffice"
PRINT_AREA = "_xlnm.Print_Area"
RT_CALC_CHAIN = REL + "/calcChain"
FORK_CELLS = 500_000  # a sheet this big (data cells) is rendered by a forked child, beside the rest


class Surgery:
    """Adds/replaces tool-owned sheets in the parts of a package."""

    def __init__(self, path: Path, package: Package,
                 prefetched: dict[str, Future[Inflated]] | None = None) -> None:
        self.path, self.package = path, package
        self.zf = zipfile.ZipFile(path)
        wb = package.workbook_part
        self.workbook = parse(self.zf.read(wb))
        self.wb_rels = parse(self.zf.read(rels_path(wb)))
        self.types = parse(self.zf.read("[Content_Types].xml"))
        styles_part = next((t for ty, t, _m in read_rels(self.zf.read(rels_path(wb)), wb).values()
                            if ty == RT_STYLES), None)
        self.styles_part = styles_part or "xl/styles.xml"
        data = self.zf.read(self.styles_part) if styles_part in package.members else None
        self.styles = StyleBook(data)
        self.parts: dict[str, Part] = {}
        self.removed: set[str] = set()
        self.taken = set(package.members)
        self.replaced: list[SheetEntry] = []  # sheets rewritten in this save
        self.table_names_now: set[str] = set()  # table names given in this save
        self.to_render: list[tuple[str, Layout, str | None]] = []  # (part, layout, drawing rId)
        self.edit = PackageEdit(self.zf, package, self.types, self.styles, self.parts,
                                self.removed, self.taken, dict(prefetched or {}))

    def apply(self, sheets: list[OutputSheet], state: Callable[[dict[str, int]], OutputSheet]
              ) -> tuple[dict[str, Part], set[str]]:
        """Put the output sheets, then the state sheet that `state` builds from the sheetIds
        they have in this save (the state sheet's own id included)."""
        ids = {sheet.name: self._put(sheet) for sheet in sheets}
        state_entry = self.package.sheet(STATE_SHEET)
        ids[STATE_SHEET] = state_entry.sheet_id if state_entry else self._next_sheet_id()
        self._put(state(ids))
        self._render()
        self._prune_calc_chain()
        wb = self.package.workbook_part
        self.parts[wb] = serialise(self.workbook, self.zf.read(wb))
        self.parts[rels_path(wb)] = serialise(self.wb_rels, self.zf.read(rels_path(wb)))
        self.parts["[Content_Types].xml"] = serialise(self.types, self.zf.read("[Content_Types].xml"))
        if self.styles.changed:
            self.parts[self.styles_part] = self.styles.to_bytes()
            if self.styles_part not in self.package.members:
                self._add_rel(RT_STYLES, self.styles_part)
                self.edit.override(self.styles_part, "application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.styles+xml")
        self.zf.close()
        return self.parts, self.removed

    def _put(self, sheet: OutputSheet) -> int:
        """Write one output sheet (cells, tables, charts, print area); returns its sheetId (kept,
        or assigned in this save)."""
        entry = self.package.sheet(sheet.name)
        old_tables = self.package.table_parts.get(entry.name, []) if entry else []
        if entry is not None:
            part, sheet_id = entry.part, entry.sheet_id
            self.removed |= set(old_tables)
            self._drop_related(part)
            self.replaced.append(entry)
        else:
            part = self.edit.free("xl/worksheets/sheet{}.xml")
            rid = self._add_rel(RT_WORKSHEET, part)
            sheet_id = self._add_sheet_entry(sheet.name, rid)
            self.edit.override(part, CT_WORKSHEET)
        names = [self._table_name(name, entry.name if entry else None) for name in sheet.table_names()]
        layout = lay_out(sheet, names)
        rels = [(RT_TABLE, self._put_table(table, old_tables, i)) for i, table in enumerate(layout.tables)]
        for stale in old_tables[len(layout.tables):]:
            self.edit.override(stale, None)
        drawing_rid = None
        if layout.charts:
            rels.append((RT_DRAWING, self._put_charts(layout)))
            drawing_rid = f"rId{len(rels)}"
        self.to_render.append((part, layout, drawing_rid))
        if rels:
            self.parts[rels_path(part)] = _rels_xml(part, rels)
        elif rels_path(part) in self.package.members:
            self.removed.add(rels_path(part))
        self._print_area(sheet.name, layout.print_area if layout.printable else None)
        if sheet.name == STATE_SHEET:
            self._hide(sheet.name)
        return sheet_id

    def _render(self) -> None:
        """The XML of every sheet put. The biggest, when big, is rendered by a forked child on
        another core while this process renders the rest (workbooks/xlsx/forked.py); should the
        child fail, it is rendered here, as any other."""
        todo = sorted(self.to_render, key=lambda job: cell_count(job[1]), reverse=True)
        pending = None
        if todo and cell_count(todo[0][1]) >= FORK_CELLS:
            # Its styles looked up first, forked or not, so the file is the same either way.
            register_styles(todo[0][1], self.styles)
            pending = self._render_forked(*todo[0])
        try:
            for part, layout, rid in todo[1:] if pending else todo:
                self.parts[part] = self._render_sheet(layout, rid)
        finally:  # the child is waited for even when a sheet here is refused
            data = pending.result() if pending else None
        if pending:
            part, layout, rid = todo[0]
            self.parts[part] = data if data is not None else self._render_sheet(layout, rid)

    def _render_sheet(self, layout: Layout, drawing_rid: str | None) -> bytes:
        return render_sheet(layout, self.styles, date1904=self.package.date1904,
                            drawing_rid=drawing_rid)

    def _render_forked(self, part: str, layout: Layout, drawing_rid: str | None
                       ) -> forked.Pending | None:
        """Start rendering `layout` in a child, its styles looked up already: the child's copy
        of the style book must not need a new one (it fails if it does)."""
        known = self.styles.looked_up

        def work(out: BinaryIO) -> None:
            for piece in sheet_pieces(layout, self.styles, self.package.date1904, drawing_rid):
                out.write(piece.encode("utf-8"))
            if self.styles.looked_up != known:
                raise RuntimeError(f"{part}: a style the parent does not have")

        return forked.start(work)

    def _put_table(self, table: LaidTable, old_tables: list[str], index: int) -> str:
        """A table part: the old sheet's own (same id) while it had as many, else a new one."""
        if index < len(old_tables):
            table_part = old_tables[index]
            self.removed.discard(table_part)
        else:
            table_part = self.edit.free("xl/tables/table{}.xml")
            self.edit.override(table_part, CT_TABLE)
        self.parts[table_part] = render_table(table, self._table_id(table_part))
        return table_part

    def _put_charts(self, layout: Layout) -> str:
        """The drawing and chart parts XlsxWriter made, under free names; returns the drawing."""
        made = make_charts(layout)
        drawing = self.edit.free("xl/drawings/drawing{}.xml")
        self.edit.override(drawing, CT_DRAWING)
        targets = {}
        for rid, chart_xml in made.charts.items():
            chart = self.edit.free("xl/charts/chart{}.xml")
            self.edit.override(chart, CT_CHART)
            self.parts[chart] = chart_xml
            targets[rid] = relative(drawing, chart)
        self.parts[drawing] = made.drawing
        self.parts[rels_path(drawing)] = made.drawing_rels(targets)
        return drawing

    def _drop_related(self, part: str) -> None:
        """Our old sheet's related parts other than tables (its drawing with its charts, or
        what a user added), with their own related parts and relationship parts."""
        for rtype, target, mode in self._rels_of(part).values():
            if mode != "External" and rtype != RT_TABLE:
                self._drop_part(target)

    def _drop_part(self, target: str) -> None:
        if target in self.removed or target not in self.package.members:
            return
        self.removed.add(target)
        self.edit.override(target, None)
        for _rtype, child, mode in self._rels_of(target).values():
            if mode != "External":
                self._drop_part(child)
        if rels_path(target) in self.package.members:
            self.removed.add(rels_path(target))

    def _rels_of(self, part: str) -> dict[str, tuple[str, str, str]]:
        path = rels_path(part)
        return read_rels(self.zf.read(path) if path in self.package.members else None, part)

    def _print_area(self, sheet: str, area: str | None) -> None:
        """Set (or with None, remove) the sheet's print area: the defined name _xlnm.Print_Area
        scoped to the sheet's position in the tab order."""
        sheets = self.workbook.find(q("sheets"))
        position = next(i for i, el in enumerate(sheets)
                        if el.get("name", "").casefold() == sheet.casefold())
        names = self.workbook.find(q("definedNames"))
        old = [el for el in (names if names is not None else [])
               if el.get("name") == PRINT_AREA and el.get("localSheetId") == str(position)]
        for el in old:
            names.remove(el)
        if area is None:
            if old and names is not None and not len(names):
                self.workbook.remove(names)
            return
        if names is None:
            names = etree.Element(q("definedNames"))
            anchor = sheets
            for tag in ("functionGroups", "externalReferences"):
                found = self.workbook.find(q(tag))
                anchor = found if found is not None else anchor
            anchor.addnext(names)
        quoted = "'" + sheet.replace("'", "''") + "'"
        etree.SubElement(names, q("definedName"), name=PRINT_AREA,
                         localSheetId=str(position)).text = f"{quoted}!{area}"

    def _prune_calc_chain(self) -> None:
        """Drop the calculation chain's entries of the sheets we replaced (Excel offers to
        repair a book whose chain names cells that hold no formula); the whole part, its
        relationship and content type when none is left. Excel rebuilds the chain as it
        calculates. An entry's sheet ("i") is matched by sheetId and by tab position, whichever
        Excel meant: an entry dropped needlessly costs nothing."""
        wb = self.package.workbook_part
        found = [(rel, resolve(wb, rel.get("Target", ""))) for rel in self.wb_rels
                 if rel.get("Type") == RT_CALC_CHAIN]
        if not found or not self.replaced:
            return
        rel, chain_part = found[0]
        positions = {s.name: i + 1 for i, s in enumerate(self.package.sheets)}
        gone = {str(e.sheet_id) for e in self.replaced} | {str(positions[e.name]) for e in self.replaced}
        chain = parse(self.zf.read(chain_part)) if chain_part in self.package.members else None
        current, kept, dropped = "", 0, 0
        for c in list(chain if chain is not None else []):
            current = c.get("i", current)
            if current in gone:
                chain.remove(c)  # type: ignore[union-attr]
                dropped += 1
            else:
                c.set("i", current)  # the entry it inherited its sheet from may be gone
                kept += 1
        if chain is not None and not dropped:
            return  # untouched, byte for byte
        if chain is not None and kept:
            self.parts[chain_part] = serialise(chain, self.zf.read(chain_part))
            return
        self.wb_rels.remove(rel)
        self.removed.add(chain_part)
        self.edit.override(chain_part, None)

    def _table_id(self, table_part: str) -> int:
        if table_part in self.package.members:
            return int(parse(self.zf.read(table_part)).get("id", "1"))
        new_id = max([0, *self.package.table_ids]) + 1
        self.package.table_ids.add(new_id)
        return new_id

    def _table_name(self, wanted: str, own_sheet: str | None) -> str:
        mine = set()
        for table_part in self.package.table_parts.get(own_sheet or "", []):
            mine.add((parse(self.zf.read(table_part)).get("displayName") or "").casefold())
        taken = (self.package.table_names - mine) | self.package.defined_names | self.table_names_now
        name, n = wanted, 2
        while name.casefold() in taken:
            name, n = f"{wanted}_{n}", n + 1
        self.table_names_now.add(name.casefold())
        return name

    def _add_rel(self, rtype: str, target_part: str) -> str:
        ids = {rel.get("Id") for rel in self.wb_rels}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        etree.SubElement(self.wb_rels, q("Relationship", PKG_REL), Id=f"rId{n}", Type=rtype,
                         Target=relative(self.package.workbook_part, target_part))
        return f"rId{n}"

    def _next_sheet_id(self) -> int:
        sheets = self.workbook.find(q("sheets"))
        return max([0, *(int(s.get("sheetId", "0")) for s in sheets)]) + 1

    def _add_sheet_entry(self, name: str, rid: str) -> int:
        next_id = self._next_sheet_id()
        el = etree.SubElement(self.workbook.find(q("sheets")), q("sheet"), name=name,
                              sheetId=str(next_id))
        el.set(q("id", REL), rid)
        return next_id

    def _hide(self, name: str) -> None:
        for el in self.workbook.iter(q("sheet")):
            if el.get("name") == name:
                el.set("state", "veryHidden")





def _rels_xml(part: str, rels: list[tuple[str, str]]) -> bytes:
    """A sheet's relationships part: rId1.. in the order given (tables first, as rendered)."""
    items = "".join(f'<Relationship Id="rId{i}" Type="{rtype}" Target="{relative(part, target)}"/>'
                    for i, (rtype, target) in enumerate(rels, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL}">{items}</Relationships>').encode()

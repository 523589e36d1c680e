"""The file adapter: reads an .xlsx/.xlsm with fastexcel and writes by package surgery.

Reading never goes through openpyxl cell objects (fastexcel reads a 1M-row sheet in seconds).
`grid` reads every cell as text so nothing is coerced silently: "00001" keeps its zeros, "N/A"
in a numeric column reaches validation as unreadable, and error cells are reported by position.
`typed_grid` (what reading uses for input sheets) reads the columns the header names as numbers
as floats instead, and gives reading the very values the text would (workbooks/xlsx/
typed_cells.py, workbooks/number_cells.py): a 1M-row sheet's number cells are not made text
and parsed back.

Writing adds or replaces only the sheets the tool owns, inside the zip package: every other
part is copied byte for byte, and the shared parts we must touch (workbook.xml, its
relationships, [Content_Types].xml, styles.xml) only gain entries.

A sheet is the tool's own only when both its name and its sheetId (workbook.xml; Excel keeps it
for the life of the sheet and never reuses it for a new one) match the record in the state
sheet: a user's sheet that merely took the name of a deleted output sheet is never replaced.
Records written before sheetIds were kept ("owned sheet" rows without an id) are honoured
only while the sheet still looks like ours, i.e. holds Excel Tables all named BO_... (every
output sheet but an all-plain report has at least one); the next save records the id.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import fastexcel
import pandas as pd
from lxml import etree

from engine.errors import UnreadableWorkbook, UnsafeWrite
from workbooks.layout import LaidTable, Layout, lay_out
from workbooks.model import Grid, Mark, OutputColumn, OutputSheet, OutputValue, text_column
from workbooks.safe_save import BACKUP_DIR, Fingerprint, fingerprint, replace_safely
from workbooks.xlsx import forked
from workbooks.xlsx.charts import CT_CHART, CT_DRAWING, RT_DRAWING, make_charts
from workbooks.xlsx.mark_surgery import MarkState, PackageEdit, apply_marks, untouched_chunks
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
from workbooks.xlsx.package import Package, SheetEntry, read_package, unreadable_part
from workbooks.xlsx.screening import inspect_file
from workbooks.xlsx.sheetxml import (
    cell_count,
    register_styles,
    render_sheet,
    render_table,
    sheet_pieces,
)
from workbooks.xlsx.styles import DamagedStyles, StyleBook
from workbooks.xlsx.typed_cells import (
    Head,
    checked_part,
    error_code,
    read_head,
    risky_strings,
    shared_strings_parts,
    typed_grid,
)
from workbooks.xlsx.zipcopy import (
    BIG_PART,
    CHUNK,
    FAST_PART,
    Inflated,
    Part,
    Spliced,
    inflate_ahead,
    read_member,
    rewrite_zip,
)

STATE_SHEET = "_BackOffice"
PRINT_AREA = "_xlnm.Print_Area"
RT_CALC_CHAIN = REL + "/calcChain"
PREFETCH_BUDGET = 1 << 30  # sheet XML held inflated ahead of a save, at most (bytes)
FORK_CELLS = 500_000  # a sheet this big (data cells) is rendered by a forked child, beside the rest


@dataclass
class FileWorkbook:
    """A workbook file on disk. Open with `FileWorkbook.open(path)`."""

    path: Path
    kind: str
    package: Package
    read_as: Fingerprint
    owned: dict[str, int | None]  # casefolded name -> sheetId (None: an old record)
    marks: MarkState = field(default_factory=MarkState)
    staged: dict[str, OutputSheet] = field(default_factory=dict)
    staged_marks: list[Mark] | None = None
    backup: Path | None = None
    reader: fastexcel.ExcelReader | None = None
    prefetch: bool = False  # inflate big sheets ahead of the save (books opened to be written)
    prefetched: dict[str, Future[Inflated]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, *, prefetch: bool = False) -> FileWorkbook:
        """Check the file is a safe, readable workbook and read its structure. With `prefetch`,
        every big sheet read is also inflated on a spare core, ready for marking on save."""
        kind = inspect_file(path)
        read_as = fingerprint(path)
        package = read_package(path)
        book = cls(path, kind, package, read_as, {}, prefetch=prefetch)
        book._read_state()
        return book

    @property
    def name(self) -> str:
        """The file name."""
        return self.path.name

    def sheet_names(self) -> list[str]:
        """Worksheet names in tab order (chartsheets and our state sheet excluded)."""
        return [s.name for s in self.package.sheets if s.is_worksheet and s.name != STATE_SHEET]

    def grid(self, sheet: str) -> Grid:
        """The sheet's used area as text; error cells listed apart."""
        entry = self.package.sheet(sheet)
        if entry is None:
            raise KeyError(sheet)
        try:  # calamine refuses XML Excel would repair: a refusal naming the part, not a crash
            loaded = self._reader().load_sheet(entry.name, header_row=None, dtypes="string")
            if self.prefetch:
                self._prefetch(entry.part)
            batch, cell_errors = loaded.to_arrow_with_errors()
        except fastexcel.FastExcelError as exc:
            raise unreadable_part(self.path, entry, exc) from None
        columns = [info.absolute_index + 1 for info in loaded.selected_columns]  # all of them: cheaper
        # than available_columns(), which infers every column's type (~0.15 s on 1M rows)
        frame = pd.DataFrame({col: text_column(batch.column(i)) for i, col in enumerate(columns)})
        first_row = _first_row(self.path, entry.part) if len(frame) else 1
        errors = {(first_row + err.offset_position[0], columns[err.offset_position[1]]):
                  error_code(err.detail) for err in (cell_errors.errors if cell_errors else [])}
        return Grid(entry.name, first_row, frame, errors, self.package.tables.get(entry.name, []))

    def typed_grid(self, sheet: str, plan: Callable[[Head], set[int]], head_rows: int) -> Grid:
        """The sheet's grid with the columns `plan` picks from its first `head_rows` rows (and
        its tables' header rows) read as numbers (`Grid.numbers`): the same cells and values as
        `grid(sheet)` gives as text, cheaper. Read as text instead when the sheet holds a cell
        such a read could misread (see workbooks/xlsx/typed_cells.py)."""
        entry = self.package.sheet(sheet)
        if entry is None:
            raise KeyError(sheet)
        tables = self.package.tables.get(entry.name, [])
        try:
            with zipfile.ZipFile(self.path) as zf:
                shared = shared_strings_parts(zf, self.package.workbook_part)
                head = read_head(zf, entry.part, shared[0] if shared else None, head_rows, tables)
                numeric = plan(head) if head is not None else set()
                if zf.getinfo(entry.part).file_size > PREFETCH_BUDGET:
                    numeric = set()  # the XML checked whole would take too much memory
                if numeric and any(risky_strings(read_member(zf, part)) for part in shared):
                    numeric = set()  # ~0.1 s for 450,000 shared strings
        except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
            numeric = set()  # the text read reports what is wrong, naming the part
        if not numeric or head is None:
            return self.grid(sheet)
        pool = ThreadPoolExecutor(max_workers=1)  # the sheet XML, inflated on the second core
        checked = pool.submit(checked_part, self.path, entry.part, numeric)  # while fastexcel
        # parses the sheet (it releases the GIL): the part inflated, and whether it is safe
        pool.shutdown(wait=False)
        try:
            loaded = self._reader().load_sheet(entry.name, header_row=None,
                                               dtypes={col - 1: "float" for col in numeric})
            batch, cell_errors = loaded.to_arrow_with_errors()
        except fastexcel.FastExcelError:
            return self.grid(sheet)
        try:
            xml, safe = checked.result()
        except (OSError, zipfile.BadZipFile, MemoryError):
            return self.grid(sheet)
        if not safe:
            return self.grid(sheet)
        if self.prefetch:
            self._prefetch(entry.part, Inflated(xml))
        del xml
        columns = [info.absolute_index + 1 for info in loaded.selected_columns]  # all of them: cheaper
        # than available_columns(), which infers every column's type (~0.15 s on 1M rows)
        grid = typed_grid(entry.name, head.first_row, columns, numeric, batch,
                          cell_errors.errors if cell_errors else [], tables)
        return grid if grid is not None else self.grid(sheet)

    def _prefetch(self, part: str, inflated: Inflated | None = None) -> None:
        """Inflate a big sheet part, and deflate it again in chunks, on the second core while the
        sheet's cells become Arrow columns and get validated (~4 s on a 1M-row sheet; fastexcel
        releases the GIL): a save that marks cells in it then only splices and deflates the
        chunks it touches (~1.4 s less). Started after fastexcel's parse, which it would slow
        down. Unused (no marks on the sheet), it is dropped. At most PREFETCH_BUDGET bytes of
        sheet XML are held ahead; a part that cannot be prefetched is simply read at save."""
        try:
            with zipfile.ZipFile(self.path) as zf:
                sizes = {name: zf.NameToInfo[name].file_size
                         for name in [*self.prefetched, part] if name in zf.NameToInfo}
        except (OSError, zipfile.BadZipFile):
            return
        if part in self.prefetched or sizes.get(part, 0) <= BIG_PART or sum(sizes.values()) > PREFETCH_BUDGET:
            return
        if inflated is not None:  # inflated already (the typed read checked its cells)
            self.prefetched[part] = Future()
            self.prefetched[part].set_result(inflated)
            return
        pool = ThreadPoolExecutor(max_workers=1)
        self.prefetched[part] = pool.submit(inflate_ahead, self.path, part, False)
        pool.shutdown(wait=False)

    def _reader(self) -> fastexcel.ExcelReader:
        """One fastexcel reader per version of the file (shared strings parsed once)."""
        if self.reader is None:
            self.reader = fastexcel.read_excel(str(self.path))
        return self.reader

    def write_sheet(self, sheet: OutputSheet) -> None:
        """Stage a tool-owned sheet; written on save()."""
        self.staged[sheet.name] = sheet

    def set_marks(self, marks: list[Mark]) -> None:
        """Stage this run's marks: on save the previous run's marks are removed exactly and
        these are put (fill by severity, and a note where the cell has none). The chunks of a
        big sheet inflated ahead that no mark touches start being deflated on the spare core."""
        self.staged_marks = list(marks)
        for entry in self.package.sheets:
            ahead = self.prefetched.get(entry.part)
            if ahead is None or not ahead.done() or ahead.exception() is not None:
                continue
            inflated, name = ahead.result(), entry.name.casefold()
            cells = [m.cell for m in marks if m.sheet.casefold() == name]
            cells += [str(r["cell"]) for r in self.marks.marks if str(r.get("sheet")).casefold() == name]
            done: Future[Inflated] = Future()
            done.set_result(inflated.deflate_ahead(untouched_chunks(inflated.data, cells, CHUNK)))
            self.prefetched[entry.part] = done

    def conflicts(self) -> list[str]:
        """Why writing the staged sheets would lose something the user owns (empty when safe)."""
        reasons = []
        if self.package.structure_locked and self._new_sheets():
            reasons.append("the workbook structure is protected, so sheets cannot be added")
        for name in self.staged:
            entry = self.package.sheet(name)
            if entry is not None and not self._owns(entry):
                what = "sheet" if entry.is_worksheet else "chart sheet"
                reasons.append(f'the {what} "{entry.name}" was not made by Back Office and would '
                               "be replaced")
        return reasons

    def save(self) -> list[str]:
        """Write the staged sheets into the workbook, safely. Returns the sheet names written."""
        if not self.staged and self.staged_marks is None:
            return []
        reasons = self.conflicts()
        if reasons:
            raise UnsafeWrite(f"{self.name}: refusing to write: " + "; ".join(reasons) + ".")
        marked = {m.sheet for m in self.staged_marks or []} | {r["sheet"] for r in self.marks.marks}
        marked_parts = {entry.part for name in marked if (entry := self.package.sheet(name)) is not None}
        prefetched = {part: ahead for part, ahead in self.prefetched.items() if part in marked_parts}
        self.prefetched = {}  # the others (sheets without marks) are dropped now
        surgery = _Surgery(self.path, self.package, prefetched)
        if self.staged_marks is not None:
            try:
                self.marks = apply_marks(surgery.edit, self.marks, self.staged_marks)
            except DamagedStyles as damaged:
                raise UnsafeWrite(f"{self.name}: {damaged}") from None
            for data in surgery.parts.values():  # a big marked sheet: deflated on the spare core
                if isinstance(data, Spliced) and len(data) > FAST_PART:  # while the rest of the
                    data.deflate_early()  # save is prepared
        parts, removed = surgery.apply(list(self.staged.values()), self._state_sheet)
        written = list(self.staged)
        self.backup = replace_safely(
            self.path, self.read_as,
            write=lambda temp: rewrite_zip(self.path, temp, parts, removed),
            verify=lambda temp: _verify(temp, written, set(parts)))
        self.staged, self.staged_marks, self.reader, self.prefetched = {}, None, None, {}
        self.read_as = fingerprint(self.path)
        self.package = read_package(self.path)
        return written

    def _owns(self, entry: SheetEntry) -> bool:
        """Whether the sheet is the tool's own: same name and same sheetId as recorded."""
        key = entry.name.casefold()
        if key not in self.owned:
            return False
        if self.owned[key] == entry.sheet_id:
            return True
        # An old record without an id, or a book re-saved by a program that renumbers sheetIds
        # (LibreOffice, openpyxl): ours only if it still looks ours, its tables all named BO_...
        tables = self.package.tables.get(entry.name, [])
        return entry.is_worksheet and bool(tables) and all(
            t.name.casefold().startswith("bo_") for t in tables)

    def _state_sheet(self, ids: dict[str, int]) -> OutputSheet:
        """The state sheet for this save; `ids` are the sheetIds the output sheets got in it."""
        kept = {entry.name.casefold(): entry.sheet_id for entry in self.package.sheets
                if self._owns(entry)}  # earlier output sheets not rewritten now, if still ours
        self.owned = {**kept, **{n.casefold(): i for n, i in ids.items()}}
        rows: list[list[OutputValue]] = [["owned sheet", name, str(sheet_id)]
                                         for name, sheet_id in sorted(self.owned.items())]
        rows += [["mark", json.dumps(record, sort_keys=True), None] for record in self.marks.marks]
        rows += [["notes parts", json.dumps({sheet: parts}, sort_keys=True), None]
                 for sheet, parts in sorted(self.marks.created.items())]
        return OutputSheet(STATE_SHEET, [OutputColumn("Key"), OutputColumn("Value"),
                                         OutputColumn("Sheet id")], rows, table_name="BO_State")

    def _new_sheets(self) -> list[str]:
        return [n for n in self.staged if self.package.sheet(n) is None]

    def _read_state(self) -> None:
        """Owned sheets and mark records from the very-hidden state sheet."""
        entry = self.package.sheet(STATE_SHEET)
        if entry is None or not entry.is_worksheet:
            return
        for row in self.grid(STATE_SHEET).rows():
            key, value = (row[0], row[1]) if len(row) > 1 else (None, None)
            if key == "owned sheet":
                sheet_id = row[2] if len(row) > 2 else None
                self.owned[str(value).casefold()] = _sheet_id(sheet_id)
            elif key == "mark":
                self.marks.marks.append(_state_record(self.name, value))
            elif key == "notes parts":
                self.marks.created.update(_state_record(self.name, value))


def _state_record(book: str, text: object) -> dict[str, Any]:
    """A JSON record of the state sheet; a damaged one refuses the file (exit 2), as the marks it
    records could not be taken off exactly."""
    try:
        record = json.loads(str(text))
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise UnreadableWorkbook(
            f'Cannot read "{book}": its sheet {STATE_SHEET} (the Back Office state) holds a damaged '
            f"record ({str(text)[:40]!r}); restore the workbook from its copy in {BACKUP_DIR}.")
    return record


def _sheet_id(text: str | None) -> int | None:
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _verify(temp: Path, written: list[str], rewritten: set[str]) -> None:
    """The new file must be a sound zip (the parts we wrote read back with their CRC; the rest
    were copied byte for byte) whose workbook lists the sheets we wrote."""
    with zipfile.ZipFile(temp) as zf:
        for name in sorted(rewritten):
            try:
                if zf.getinfo(name).file_size > BIG_PART:  # a rewritten big sheet: its CRC and
                    continue  # sizes were set as written; re-reading it costs seconds
                zf.read(name)
            except (zipfile.BadZipFile, KeyError) as exc:
                raise UnsafeWrite(f"internal check failed: {name} is unreadable in the new file "
                                  f"({exc}); nothing was written.") from None
    names = {sheet.name for sheet in read_package(temp).sheets}  # not fastexcel: it would parse
    # the whole shared-strings table (~0.3 s on a 1M-row book) just to list the sheets
    missing = [n for n in written if n not in names]
    if missing:
        raise UnsafeWrite(f"internal check failed: {missing} missing from the new file; "
                          "nothing was written.")


def _first_row(path: Path, part: str) -> int:
    """The first row holding a value (where fastexcel's frame starts)."""
    with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
        for _event, row in etree.iterparse(fh, tag=q("row"), resolve_entities=False,
                                           huge_tree=True):
            if any(c.find(q("v")) is not None or c.find(q("is")) is not None for c in row):
                return int(row.get("r", "1"))
            row.clear()
    return 1


class _Surgery:
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

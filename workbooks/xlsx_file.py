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
from typing import Any

import fastexcel
import pandas as pd
from lxml import etree

from engine.errors import UnreadableWorkbook, UnsafeWrite
from workbooks.model import Grid, Mark, OutputColumn, OutputSheet, OutputValue, text_column
from workbooks.safe_save import BACKUP_DIR, Fingerprint, fingerprint, replace_safely
from workbooks.xlsx.mark_surgery import MarkState, apply_marks, untouched_chunks
from workbooks.xlsx.ooxml import (
    q,
)
from workbooks.xlsx.package import Package, SheetEntry, read_package, unreadable_part
from workbooks.xlsx.screening import inspect_file
from workbooks.xlsx.styles import DamagedStyles
from workbooks.xlsx.surgery import STATE_SHEET, Surgery
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
    Spliced,
    inflate_ahead,
    read_member,
    rewrite_zip,
)

PREFETCH_BUDGET = 1 << 30  # sheet XML held inflated ahead of a save, at most (bytes)


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
        surgery = Surgery(self.path, self.package, prefetched)
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

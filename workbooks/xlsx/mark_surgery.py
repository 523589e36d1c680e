"""Putting and removing the tool's cell marks (fill + note) inside a package.

The previous run's marks are removed first (each cell gets back the exact style it had, cells we
inserted are dropped, notes parts we created are deleted), then this run's marks are put and
recorded. A cell is restored only while it still has the mark's own style (recorded as
"mark_style"): a cell the user reformatted since, or that another program restyled, or that
moved when rows were inserted, keeps what it has now. Records from before "mark_style" was kept
are restored as they always were. Used by the file adapter's save; the records live in the
`_BackOffice` state sheet.
"""

from __future__ import annotations

import re
import zipfile
from bisect import bisect_left
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from workbooks.model import Mark
from workbooks.xlsx.cellmarks import StyleEdit, edit_styles, plan_styles, read_styles
from workbooks.xlsx.notes import (
    CT_COMMENTS,
    CT_VML,
    add_notes,
    idmap_blocks,
    new_comments,
    new_vml,
    remove_notes,
)
from workbooks.xlsx.ooxml import CT, PKG_REL, REL, parse, q, read_rels, relative, rels_path, serialise
from workbooks.xlsx.package import Package
from workbooks.xlsx.styles import StyleBook
from workbooks.xlsx.zipcopy import Inflated, Part, Splice, Spliced, read_member

RT_COMMENTS = REL + "/comments"

RT_VML = REL + "/vmlDrawing"
# Top-level <worksheet> children that come after legacyDrawing (mc:AlternateContent there wraps
# oleObjects or controls).
_AFTER_LEGACY = {b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                 b"webPublishItems", b"tableParts", b"extLst", b"AlternateContent"}
_CELL_ROW = re.compile(r"(\d+)$")
_ROW_R = re.compile(rb'<row\s[^>]*?\br="(\d+)"')
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?:[^>\"'/]|\"[^\"]*\"|'[^']*'|/(?!>))*(/?)>",
    re.S)


@dataclass
class MarkState:
    """What the tool has put on input cells: one record per mark, and the notes parts it made."""

    marks: list[dict[str, Any]] = field(default_factory=list)
    created: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class PackageEdit:
    """The parts being changed by one save, shared with the output-sheet surgery."""

    zf: zipfile.ZipFile
    package: Package
    types: etree._Element
    styles: StyleBook
    parts: dict[str, Part]
    removed: set[str]
    taken: set[str]
    prefetched: dict[str, Future[Inflated]] = field(default_factory=dict)  # big parts, inflated ahead
    ahead: dict[str, Inflated] = field(default_factory=dict)
    _mark_styles: dict[tuple[int, str], int] = field(default_factory=dict)

    def mark_style(self, base_xf: int, level: str) -> int:
        """StyleBook.mark_style, once per (style, level): thousands of marks share a handful of
        styles, and each new lookup compares the new format with every cellXfs entry."""
        key = (base_xf, level)
        found = self._mark_styles.get(key)
        if found is None:
            found = self._mark_styles[key] = self.styles.mark_style(base_xf, level)
        return found

    def read(self, part: str) -> bytes | None:
        """A part as changed so far in this save, or as stored."""
        if part in self.parts:
            data = self.parts[part]
            if isinstance(data, Spliced):
                data = self.parts[part] = data.join()
            return data
        if part in self.removed or part not in self.package.members:
            return None
        if part in self.prefetched:
            try:
                self.ahead[part] = self.prefetched.pop(part).result()
                return self.ahead[part].data
            except Exception:  # e.g. memory ran short ahead: read it as usual
                pass
        return read_member(self.zf, part)

    def inflated_ahead(self, part: str) -> Inflated | None:
        """What was inflated (and deflated in chunks) ahead for `part`, if it was."""
        return self.ahead.get(part)

    def write(self, part: str, data: Part) -> None:
        """Replace or add a part in this save."""
        self.parts[part] = data
        self.removed.discard(part)

    def free(self, pattern: str) -> str:
        """An unused part name."""
        n = 1
        while pattern.format(n) in self.taken:
            n += 1
        self.taken.add(pattern.format(n))
        return pattern.format(n)

    def override(self, part: str, content_type: str | None) -> None:
        """Add (or with None, drop) a content-type override."""
        for o in list(self.types.iter(q("Override", CT))):
            if o.get("PartName") == "/" + part:
                self.types.remove(o)
        if content_type:
            etree.SubElement(self.types, q("Override", CT), PartName="/" + part,
                             ContentType=content_type)

    def default(self, extension: str, content_type: str) -> None:
        """Make sure an extension has a default content type."""
        if not any(d.get("Extension", "").lower() == extension for d in self.types.iter(q("Default", CT))):
            etree.SubElement(self.types, q("Default", CT), Extension=extension, ContentType=content_type)


def apply_marks(edit: PackageEdit, state: MarkState, marks: list[Mark]) -> MarkState:
    """Remove `state`'s marks, put `marks`; return the new state."""
    new_state = MarkState()
    sheets = {r["sheet"] for r in state.marks} | {m.sheet for m in marks}
    for name in sorted(sheets):
        entry = edit.package.sheet(name)
        if entry is None or not entry.is_worksheet:
            continue
        old = [r for r in state.marks if r["sheet"] == name]
        new = [m for m in marks if m.sheet == name]
        created = state.created.get(name, {})
        _Sheet(edit, entry.part, name).run(old, new, created, new_state)
    return new_state


@dataclass
class _Sheet:
    edit: PackageEdit
    part: str
    name: str

    def run(self, old: list[dict[str, Any]], new: list[Mark], created: dict[str, str],
            state: MarkState) -> None:
        """Take the old marks off and put the new ones in one pass over the part, planned on
        the stored bytes: a cell marked again keeps its record (the style it had before us), a
        cell no longer marked gets that style back, a new one is marked from its style now."""
        xml = self.edit.read(self.part) or b""
        new = list({m.cell: m for m in new}.values())  # one mark per cell, the last wins
        current = read_styles(xml, [r["cell"] for r in old]) if old else {}
        # Cells that still carry our mark; one restyled since (by the user) is left as it is.
        ours = {r["cell"]: r for r in old if "mark_style" not in r or current[r["cell"]] == r["mark_style"]}
        if any(r["empty_sheet"] for r in ours.values()):  # taking it off empties the sheet: the
            xml, _ = edit_styles(xml, [_restore(r) for r in ours.values()])  # rare old two passes
            ours, current = {}, {}
        marked = {m.cell for m in new}
        mark_style = self.edit.mark_style
        edits = [_restore(r) for cell, r in ours.items() if cell not in marked]
        for m in new:
            if m.cell not in ours:  # every mark finds or makes its cell
                edits.append(StyleEdit(m.cell, None, restyle=_restyler(mark_style, m.level)))
            elif mark_style(ours[m.cell]["style"] or 0, m.level) != current[m.cell]:  # other level
                edits.append(StyleEdit(m.cell, mark_style(ours[m.cell]["style"] or 0, m.level)))
        noted, note_splices, created = self._renote(
            xml, {r["cell"] for r in old if r["note"]}, {m.cell: m.note for m in new}, created)
        origins: dict[int, tuple[bool, bool]] = {}
        for r in ours.values():
            made, filled = origins.get(_row_of(r["cell"]), (False, False))
            origins[_row_of(r["cell"])] = (made or r["new_row"], filled or r["empty_row"])
        splices, changes = plan_styles(xml, edits, note_splices, origins)
        found = {c.cell: c for c in changes}
        for m in new:
            if m.cell in ours:
                record = {**ours[m.cell], "mark_style": mark_style(ours[m.cell]["style"] or 0, m.level)}
            else:
                change = found[m.cell]
                record = {"sheet": self.name, "cell": m.cell, "style": change.previous,
                          "mark_style": change.style, "inserted": change.inserted,
                          "empty_row": change.empty_row, "new_row": change.new_row,
                          "empty_sheet": change.empty_sheet}
            state.marks.append({**record, "note": m.cell in noted})
        if created:
            state.created[self.name] = created
        self.edit.write(self.part, Spliced(xml, splices, self.edit.inflated_ahead(self.part)))

    def _rels(self) -> dict[str, tuple[str, str, str]]:
        return read_rels(self.edit.read(rels_path(self.part)), self.part)

    def _notes_parts(self) -> tuple[str | None, str | None]:
        rels = self._rels()
        comments = next((t for ty, t, _m in rels.values() if ty == RT_COMMENTS), None)
        vml = next((t for ty, t, _m in rels.values() if ty == RT_VML), None)
        return comments, vml

    def _renote(self, xml: bytes, old: set[str], notes: dict[str, str], created: dict[str, str]
                ) -> tuple[set[str], list[Splice], dict[str, str]]:
        """Take our notes off the `old` cells and put `notes` on; returns the cells noted, the
        splice the sheet needs (our legacyDrawing in when we create the drawing, out when none
        of our notes is left), and the notes parts we created."""
        comments, vml = self._notes_parts()
        emptied = False
        if old and comments is not None and vml is not None:
            comments_xml, vml_xml, any_left = remove_notes(
                self.edit.read(comments) or b"", self.edit.read(vml) or b"", old,
                drop_type=bool(created.get("shapetype")))
            self.edit.write(comments, comments_xml)
            self.edit.write(vml, vml_xml)
            emptied = not any_left
        noted, insertion, created = self._add_notes(xml, notes, created)
        if not emptied or noted:
            return noted, insertion, created
        return noted, self._drop_notes_parts(xml, comments, vml, created), {}

    def _drop_notes_parts(self, xml: bytes, comments: str | None, vml: str | None,
                          created: dict[str, str]) -> list[Splice]:
        """Drop the notes parts we created, now empty, and our legacyDrawing with the drawing."""
        if created.get("comments") and comments is not None:
            self._drop_part(comments)
        legacy = created.get("legacy", "").encode()
        at = xml.rfind(legacy) if created.get("vml") and legacy else -1  # it sits near the end
        if at < 0 or vml is None:  # not if Excel rewrote the sheet since
            return []
        self._drop_part(vml)
        return [(at, at + len(legacy), b"")]

    def _add_notes(self, xml: bytes, notes: dict[str, str], created: dict[str, str]
                   ) -> tuple[set[str], list[Splice], dict[str, str]]:
        """Add notes on the cells that have none; returns the cells noted and the splice that
        puts a legacyDrawing element into the sheet when we create its drawing."""
        if not notes:
            return set(), [], created
        comments, vml = self._notes_parts()
        created = dict(created)
        insertion: list[Splice] = []
        if vml is None:
            vml = self.edit.free("xl/drawings/vmlDrawing{}.vml")
            self.edit.write(vml, new_vml(max(self._blocks_used() | {0}) + 1))
            self.edit.default("vml", CT_VML)
            rid = self._add_rel(RT_VML, vml)
            legacy = f'<legacyDrawing xmlns:r="{REL}" r:id="{rid}"/>'
            at = _legacy_position(xml)
            insertion.append((at, at, legacy.encode()))
            created.update(vml="1", legacy=legacy)
        if comments is None:
            comments = self.edit.free("xl/comments{}.xml")
            self.edit.write(comments, new_comments())
            self.edit.override(comments, CT_COMMENTS)
            self._add_rel(RT_COMMENTS, comments)
            created["comments"] = "1"
        comments_xml, vml_xml, added, new_type = add_notes(
            self.edit.read(comments) or b"", self.edit.read(vml) or b"", notes,
            self._blocks_used(but=vml))
        if new_type and not created.get("vml"):
            created["shapetype"] = "1"
        self.edit.write(comments, comments_xml)
        self.edit.write(vml, vml_xml)
        return set(added), insertion, created

    def _blocks_used(self, but: str | None = None) -> set[int]:
        """The shape-id blocks the book's VML drawings (`but` that one) use."""
        used: set[int] = set()
        for member in self.edit.taken:
            if member.endswith(".vml") and member != but:
                used |= idmap_blocks(self.edit.read(member) or b"")
        return used

    def _add_rel(self, rtype: str, target: str) -> str:
        path = rels_path(self.part)
        data = self.edit.read(path)
        root = parse(data) if data else etree.Element(q("Relationships", PKG_REL), nsmap={None: PKG_REL})
        ids = {r.get("Id") for r in root}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        etree.SubElement(root, q("Relationship", PKG_REL), Id=f"rId{n}", Type=rtype,
                         Target=relative(self.part, target))
        self.edit.write(path, serialise(root, data))
        return f"rId{n}"

    def _drop_part(self, target: str) -> None:
        path = rels_path(self.part)
        data = self.edit.read(path) or b""
        root = parse(data)
        for rel in list(root):
            if rel.get("Target") == relative(self.part, target):
                root.remove(rel)
        if len(root):
            self.edit.write(path, serialise(root, data))
        else:
            self._remove(path)
        self._remove(target)
        self.edit.override(target, None)

    def _remove(self, part: str) -> None:
        self.edit.parts.pop(part, None)
        if part in self.edit.package.members:
            self.edit.removed.add(part)


def untouched_chunks(xml: bytes, cells: Iterable[str], chunk: int) -> list[int]:
    """The `chunk`-byte runs of a sheet's XML that marking `cells` (putting marks or taking
    them off) leaves alone, the first and the last aside (sheet-wide edits: the
    legacyDrawing). A cell's edit, or a row inserted for it, lies between the start of the last
    row element at or above its row and the start of the next one: a run is left alone when no
    marked row lies from the row running into it to the first row starting after it. An
    estimate only (the save reuses a run deflated ahead only when its splices leave it alone):
    a wrong one costs time, never bytes."""
    count = max(1, -(-len(xml) // chunk))
    marked = sorted(int(m.group(1)) for cell in cells if (m := _CELL_ROW.search(cell)))
    starts = [_row_number_after(xml, k * chunk) for k in range(count + 1)]
    free = []
    for k in range(1, count - 1):
        before = _row_number_before(xml, k * chunk)
        low, high = before, starts[k + 1]
        if low is None or high is None:
            continue
        at = bisect_left(marked, low)
        if at == len(marked) or marked[at] > high:
            free.append(k)
    return free


def _row_number_after(xml: bytes, pos: int) -> int | None:
    at = xml.find(b"<row ", pos)
    return _row_attribute(xml, at) if at >= 0 else None


def _row_number_before(xml: bytes, pos: int) -> int | None:
    at = xml.rfind(b"<row ", 0, pos)
    return _row_attribute(xml, at) if at >= 0 else None


def _row_attribute(xml: bytes, at: int) -> int | None:
    """The r of the row element starting at `at` (None: not given, the run is kept touched)."""
    match = _ROW_R.match(xml, at)
    return int(match.group(1)) if match else None


def _row_of(cell: str) -> int:
    return int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _restore(record: dict[str, Any]) -> StyleEdit:
    """The edit that gives a marked cell back the style it had (drops a cell or row we made)."""
    return StyleEdit(record["cell"], record["style"], record["inserted"], record["empty_row"],
                     record["new_row"], record["empty_sheet"])


def _legacy_position(xml: bytes) -> int:
    """Where legacyDrawing goes: before the first top-level child of <worksheet> that must
    follow it, else before </worksheet>. Only the (small) tail after sheetData is scanned,
    tracking depth, so elements nested in e.g. a data bar's cfRule/extLst are skipped."""
    name = xml.rfind(b"sheetData")
    pos = xml.index(b">", name) + 1 if name >= 0 else 0
    depth = 1  # inside <worksheet>
    for token in _TOKEN.finditer(xml, pos):
        local = token.group(2)
        if local is None:  # a comment, CDATA or processing instruction
            continue
        if token.group(1):  # an end tag
            depth -= 1
            if depth == 0:  # </worksheet>
                return token.start()
            continue
        if depth == 1 and local in _AFTER_LEGACY:
            return token.start()
        if not token.group(3):
            depth += 1
    return xml.rindex(b"</")


def _restyler(mark_style: Callable[[int, str], int], level: str) -> Callable[[int | None], int]:
    """The style a new mark gives a cell, from the cell's own style (none: the default 0)."""
    return lambda base: mark_style(base or 0, level)

"""Are the parts the tool reads or edits what it takes them for? Checked before any reader runs.

Starting at the workbook part, the relationships are followed the way the readers and the
writers follow them (workbook -> worksheets, styles, shared strings; worksheet -> tables, notes
and their VML drawing). Each part must have the root element we know, in transitional
SpreadsheetML: a part in another namespace (the 2006 beta of Excel 2007, Strict, another program's
dialect) or with another root is refused up front rather than half-read. The relationships on
that path must be complete (Id, Type, Target; no Id twice) and point at parts that exist, and a
comments part must hold its comment list: otherwise the writer would have nothing to edit.

Only the first bytes of big parts are parsed (their root); `check_parts` raises `PartProblem`
(a reason for the user) or `NotXml` (the part that does not parse).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable

from lxml import etree

from workbooks.xlsx.ooxml import MAIN, REL, resolve

STRICT_NS = "purl.oclc.org/ooxml"
STRICT = "it was saved as Strict Open XML; save it as the default Excel Workbook format"
SMALL_PART = 4 * 1024**2  # read whole (and parsed whole) only up to this size
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
FIX = "open it in Excel and save it as .xlsx (Excel Workbook)"
WORKSHEET = REL + "/worksheet"
VML = REL + "/vmlDrawing"
# By relationship type: the root element each part must have ({MAIN} namespace).
WORKBOOK_PARTS = {WORKSHEET: "worksheet", REL + "/styles": "styleSheet", REL + "/sharedStrings": "sst"}
SHEET_PARTS = {REL + "/table": "table", REL + "/comments": "comments", VML: "xml"}

_SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s/>]")

#: read(part name, whole) -> its bytes (whole when at most SMALL_PART, else its first 64 KiB).
Reader = Callable[[str, bool], bytes]


class PartProblem(Exception):
    """A part we would read or edit is not what we know; `reason` says which and the fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotXml(Exception):
    """A part that does not parse as XML: named in the refusal."""

    def __init__(self, part: str, problem: str) -> None:
        super().__init__(f"{part}: {problem}")
        self.part, self.problem = part, problem


def check_parts(zf: zipfile.ZipFile, read: Reader, parts: dict[str, str], workbook: str) -> None:
    """Check the parts of `zf` reached from `workbook`; `parts` maps casefolded names to zip
    names, `read` reads a part (refusing a DTD)."""
    _expect_root(read, parts["[content_types].xml"], CT_NS, "Types")
    _expect_root(read, parts[workbook.casefold()], f"{{{MAIN}}}", "workbook")
    for kind, part in _related(read, parts, workbook, WORKBOOK_PARTS):
        _expect_root(read, part, f"{{{MAIN}}}", WORKBOOK_PARTS[kind])
        if kind != WORKSHEET:
            continue
        _check_sheet_data(zf, read, part)
        for sheet_kind, sheet_part in _related(read, parts, part, SHEET_PARTS):
            if sheet_kind == VML:
                _check_vml(read, sheet_part, whole=_small(zf, sheet_part))
                continue
            _expect_root(read, sheet_part, f"{{{MAIN}}}", SHEET_PARTS[sheet_kind])
            if SHEET_PARTS[sheet_kind] == "comments" and _small(zf, sheet_part):
                _check_comments(read, sheet_part)


def _related(read: Reader, parts: dict[str, str], source: str, kinds: dict[str, str]
             ) -> list[tuple[str, str]]:
    """(relationship type, part name) of the parts `source` relates to with one of `kinds`."""
    folder, _, base = source.rpartition("/")
    rels = parts.get(f"{folder}/_rels/{base}.rels".lstrip("/").casefold())
    if rels is None:
        return []
    _expect_root(read, rels, REL_NS, "Relationships")
    found, ids = [], set()
    for rel in xml(read(rels, True), rels).iter(f"{REL_NS}Relationship"):
        rid, kind, target = rel.get("Id"), rel.get("Type"), rel.get("Target")
        if not rid or not kind or target is None:
            missing = "Id" if not rid else "Type" if not kind else "Target"
            raise PartProblem(f"part {rels} has a relationship without its {missing} (damaged or "
                              f"not written by Excel); {FIX}")
        if rid in ids:
            raise PartProblem(f"part {rels} has two relationships with the Id {rid!r} (damaged or "
                              f"not written by Excel); {FIX}")
        ids.add(rid)
        if kind not in kinds or rel.get("TargetMode", "Internal") == "External":
            continue
        part = parts.get(resolve(source, target).casefold()) if target else None
        if part is None:
            raise PartProblem(f"part {rels} points to {target!r}, which is not in the package "
                              f"(damaged or not written by Excel); {FIX}")
        found.append((kind, part))
    return found


def _expect_root(read: Reader, part: str, namespace: str, name: str) -> None:
    """Refuse `part` unless its root element is `namespace`+`name` (only its head is parsed)."""
    tag = root_tag(read(part, False), part)
    if tag == namespace + name:
        return
    ns, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    if ns != namespace.strip("{}"):
        if STRICT_NS in ns:
            raise PartProblem(STRICT)
        raise PartProblem(f"part {part} is in the XML namespace {ns or '(none)'!r}, which this tool "
                          "does not read (an early beta of Excel 2007 or another program wrote it); "
                          f"{FIX}")
    raise PartProblem(f"part {part} has a <{local}> root element where <{name}> belongs "
                      f"(damaged or not written by Excel); {FIX}")


def _check_sheet_data(zf: zipfile.ZipFile, read: Reader, part: str) -> None:
    """A worksheet holds a <sheetData> (the marks go into it). It comes early in the part, so it
    is looked for in the head; a big part with a long head of column settings is not refused."""
    head = read(part, False)
    if not _SHEET_DATA.search(head) and zf.getinfo(part).file_size <= len(head):
        raise PartProblem(f"part {part} has no <sheetData> (damaged or not written by Excel); "
                          f"{FIX}")


def _small(zf: zipfile.ZipFile, part: str) -> bool:
    return zf.getinfo(part).file_size <= SMALL_PART


def _check_comments(read: Reader, part: str) -> None:
    """A comments part holds a <commentList> (the notes we add go there)."""
    if xml(read(part, True), part).find(f"{{{MAIN}}}commentList") is None:
        raise PartProblem(f"part {part} has no <commentList> (damaged or not written by Excel); "
                          f"{FIX}")


def _check_vml(read: Reader, part: str, *, whole: bool) -> None:
    """A notes drawing is an <xml> VML document; Excel's VML is not always well-formed XML, so
    only its opening and (in a part read whole) closing tags are looked for: the notes we add go
    before </xml>."""
    data = read(part, whole)
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<?xml"):
        start = start[start.find(b"?>") + 2:].lstrip()
    if not start.startswith(b"<xml") or (whole and b"</xml>" not in data[-4096:]):
        raise PartProblem(f"part {part} is not a VML drawing (no <xml> root) (damaged or not written "
                          f"by Excel); {FIX}")


def root_tag(head: bytes, part: str) -> str:
    """The root element's {namespace}name, from the first bytes of a part."""
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=True)
    try:
        for start in range(0, len(head), 4096):  # the root is in the first few KiB: stop there
            parser.feed(head[start:start + 4096])
            for _event, element in parser.read_events():
                return str(element.tag)
    except etree.XMLSyntaxError as exc:
        raise NotXml(part, str(exc)) from None
    raise NotXml(part, "it has no root element")


def xml(data: bytes, part: str) -> etree._Element:
    """Parse a small package part with entities, DTDs and network access all off."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise NotXml(part, str(exc)) from None

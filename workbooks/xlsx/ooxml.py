"""Namespaces, content types and XML helpers for the parts of an .xlsx package we touch.

Parts are parsed with lxml, which keeps every namespace declaration and prefix as written, so a
part we edit (workbook.xml, styles.xml...) keeps the markup we do not own exactly as Excel wrote
it (ElementTree would drop unused declarations and break mc:Ignorable).
"""

from __future__ import annotations

import posixpath

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_WORKSHEET = REL + "/worksheet"
RT_TABLE = REL + "/table"
RT_STYLES = REL + "/styles"
RT_OFFICE_DOCUMENT = REL + "/officeDocument"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_blank_text=False)


def q(tag: str, ns: str = MAIN) -> str:
    """Clark notation: q("sheet") -> "{main-ns}sheet"."""
    return f"{{{ns}}}{tag}"


def parse(data: bytes) -> etree._Element:
    """Parse a part safely (no entities, no network)."""
    return etree.fromstring(data, _PARSER)


EXCEL_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def serialise(root: etree._Element, like: bytes | None = None) -> bytes:
    """A part as UTF-8, with the XML declaration of the part it replaces (`like`) kept byte for
    byte, or Excel's own declaration for a new part."""
    declaration = EXCEL_DECLARATION
    if like and like.startswith(b"<?xml"):
        end = like.index(b"?>") + 2
        while end < len(like) and like[end:end + 1] in b" \r\n\t":
            end += 1
        declaration = like[:end]
    text: str = etree.tostring(root, encoding="unicode")
    return declaration + text.encode("utf-8")


def rels_path(part: str) -> str:
    """xl/worksheets/sheet1.xml -> xl/worksheets/_rels/sheet1.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship target as a package path (no leading slash)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    """A package path as a relationship target relative to `source_part`."""
    return posixpath.relpath(target_part, posixpath.dirname(source_part))


def read_rels(data: bytes | None, source_part: str) -> dict[str, tuple[str, str, str]]:
    """{rId: (type, resolved target, target mode)} of a .rels part."""
    if not data:
        return {}
    out = {}
    for rel in parse(data).iter(q("Relationship", PKG_REL)):
        mode = rel.get("TargetMode", "Internal")
        target = rel.get("Target", "")
        resolved = target if mode == "External" else resolve(source_part, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved, mode)
    return out

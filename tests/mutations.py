"""Mutate one XML part of a workbook package, the way other producers' files go wrong.

A `Mutation` names the part, what is done (rename the root's namespace, delete or duplicate an
element, delete, duplicate or retype an attribute) and where (an index into the part's elements
or attributes, taken modulo their number, so any integer a strategy draws is a valid target).
`apply` returns the new package bytes; everything but the one part is copied unchanged.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from hypothesis import strategies as st
from lxml import etree

KINDS = ("namespace", "delete_element", "duplicate_element", "delete_attribute",
         "duplicate_attribute", "retype_attribute")
NAMESPACES = ("http://schemas.microsoft.com/office/excel/2006/2", "", "urn:not-excel",
              "http://purl.oclc.org/ooxml/spreadsheetml/main",
              "http://schemas.openxmlformats.org/drawingml/2006/main")
# Wrong types for attributes: text for numbers, empty, out of range, half a reference, a bool
# where a number belongs, characters a name must not hold.
BAD_VALUES = ("abc", "", "-1", "0", "1.5", "1e309", "99999999999999999999", "NaN", "A1:",
              "true", "Sheet1!", "é/[]*?:", " ", "rId999")
_ATTRIBUTE = re.compile(rb'\s[\w:.-]+\s*=\s*"[^"]*"')
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Mutation:
    """One change to one part."""

    part: str
    kind: str
    where: int
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind} #{self.where} {self.value!r} in {self.part}"


def xml_parts(package: bytes) -> list[str]:
    """The XML members of a package (parts and relationships), in zip order."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return [n for n in zf.namelist() if n.endswith((".xml", ".rels"))]


def mutations(package: bytes) -> st.SearchStrategy[Mutation]:
    """Any one mutation of one XML part of `package`."""
    return st.builds(Mutation, st.sampled_from(xml_parts(package)), st.sampled_from(KINDS),
                     st.integers(0, 10_000), st.sampled_from(NAMESPACES + BAD_VALUES))


def apply(package: bytes, mutation: Mutation) -> bytes:
    """`package` with `mutation` made to its part (other members copied as they are)."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, mutate(data, mutation) if info.filename == mutation.part else data)
    return out.getvalue()


def mutate(data: bytes, mutation: Mutation) -> bytes:
    """The part's bytes after the mutation."""
    if mutation.kind == "duplicate_attribute":  # not well-formed XML: only a text edit makes it
        found = list(_ATTRIBUTE.finditer(data))
        if not found:
            return data
        hit = found[mutation.where % len(found)]
        return data[:hit.end()] + hit.group() + data[hit.end():]
    root = etree.fromstring(data, _PARSER)
    if mutation.kind == "namespace":
        return _rename_namespace(data, root, mutation.value if mutation.value in NAMESPACES else "")
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    if mutation.kind in ("delete_element", "duplicate_element"):
        children = elements[1:]  # never the root
        if not children:
            return data
        element = children[mutation.where % len(children)]
        if mutation.kind == "delete_element":
            element.getparent().remove(element)
        else:
            element.addnext(etree.fromstring(etree.tostring(element)))
    else:
        attributes = [(el, name) for el in elements for name in el.attrib]
        if not attributes:
            return data
        element, name = attributes[mutation.where % len(attributes)]
        if mutation.kind == "delete_attribute":
            del element.attrib[name]
        else:
            element.set(name, mutation.value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rename_namespace(data: bytes, root: etree._Element, namespace: str) -> bytes:
    """The root element's namespace URI replaced everywhere in the part's text."""
    old = etree.QName(root).namespace
    if not old:
        return data
    return data.replace(f'"{old}"'.encode(), f'"{namespace}"'.encode())

"""Notes (legacy comments) the tool puts on input cells, and their exact removal.

A note lives in two parts: the comments part (text, author) and a VML drawing (the yellow box).
Our notes are the comments whose author is "Back Office"; their VML shapes are found by the
cell they anchor to. A cell that already has a note keeps it: we never overwrite a user's note.

Shape ids: a drawing's o:idmap lists the blocks of 1,024 ids its shapes use ("1", or "1,2,3"
when it holds more than 1,024 shapes, as Excel and XlsxWriter write it), and no two drawings of
a book share a block. Notes past a block's end take the ids of the next block no other drawing
uses, and that block is added to the idmap: every cell gets its note, however many.
"""

from __future__ import annotations

import re

from lxml import etree

from workbooks.model import column_number
from workbooks.xlsx.ooxml import MAIN, parse, q, serialise

AUTHOR = "Back Office"
BLOCK = 1024  # shape ids of a VML drawing come in blocks of 1,024, listed in its o:idmap
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_SHAPE = re.compile(rb"<v:shape\b.*?</v:shape>", re.S)
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_ROW = re.compile(rb"<x:Row>(\d+)</x:Row>")
_COL = re.compile(rb"<x:Column>(\d+)</x:Column>")
_IDMAP = re.compile(rb'<o:idmap\b[^>]*data="([\d,]+)"')
_SHAPETYPE_202 = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" '
    b'o:connecttype="rect"/></v:shapetype>'
)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def note_text(text: str) -> str:
    """A note's text with characters XML cannot carry shown as "?" (a note is for reading)."""
    return _NOT_XML.sub("?", text)


def new_vml(block: int) -> bytes:
    """An empty VML drawing whose shape ids use id block `block`."""
    return (
        b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
        b'office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        b'<o:idmap v:ext="edit" data="%d"/></o:shapelayout>' % block + _SHAPETYPE_202 + b"</xml>"
    )


def new_comments() -> bytes:
    """An empty comments part."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}">'
            "<authors/><commentList/></comments>").encode()


def idmap_blocks(vml: bytes) -> set[int]:
    """The shape-id blocks a VML drawing uses (to pick a free one for a new drawing)."""
    match = _IDMAP.search(vml)
    return {int(x) for x in match.group(1).split(b",") if x} if match else set()


def add_notes(comments: bytes, vml: bytes, notes: dict[str, str],
              other_blocks: set[int] | frozenset[int] = frozenset()
              ) -> tuple[bytes, bytes, list[str], bool]:
    """Add our notes to cells without one; return both parts, the cells that got a note and
    whether the note shape type had to be added to the drawing. `other_blocks`: the id blocks
    the book's other drawings use (new ids never land in them)."""
    root = parse(comments)
    taken = {c.get("ref") for c in root.iter(q("comment"))}
    notes = {cell: text for cell, text in notes.items() if cell not in taken}
    if not notes:
        return comments, vml, [], False
    author = str(_author_index(root))
    comment_list = root.find(q("commentList"))
    blocks = idmap_blocks(vml)
    ids = _free_ids(vml, blocks, set(other_blocks), len(notes))
    comment, text_tag, t_tag = q("comment"), q("text"), q("t")
    shapes: list[bytes] = []
    for (cell, text), shape_id in zip(notes.items(), ids, strict=True):
        node = etree.SubElement(comment_list, comment, ref=cell, authorId=author)
        etree.SubElement(etree.SubElement(node, text_tag), t_tag).text = note_text(text)
        shapes.append(_shape(cell, shape_id))
    vml = _with_blocks(vml, blocks | {i // BLOCK for i in ids})
    new_type = b'id="_x0000_t202"' not in vml
    if new_type:
        shapes.insert(0, _SHAPETYPE_202)
    end = vml.rindex(b"</xml>")
    return (serialise(root, comments), vml[:end] + b"".join(shapes) + vml[end:], list(notes),
            new_type)


def _free_ids(vml: bytes, blocks: set[int], others: set[int], count: int) -> list[int]:
    """`count` new shape ids after the drawing's last one, in its own blocks or in blocks no
    other drawing uses (skipping theirs). Block 0 is never used (Excel starts at 1)."""
    used = [int(m) for m in _SHAPE_ID.findall(vml)]
    next_id = max([*used, BLOCK * min(blocks or {1})]) + 1
    ids: list[int] = []
    while len(ids) < count:
        block = next_id // BLOCK
        if block == 0 or (block in others and block not in blocks):
            next_id = (block + 1) * BLOCK + 1
            continue
        room = min(count - len(ids), (block + 1) * BLOCK - next_id)
        ids.extend(range(next_id, next_id + room))
        next_id += room
    return ids


def _with_blocks(vml: bytes, blocks: set[int]) -> bytes:
    """The drawing with its o:idmap listing `blocks` (unchanged when it lists them already)."""
    match = _IDMAP.search(vml)
    data = b",".join(b"%d" % b for b in sorted(blocks))
    if match is None or match.group(1) == data:
        return vml
    return vml[:match.start(1)] + data + vml[match.end(1):]


def remove_notes(comments: bytes, vml: bytes, cells: set[str], drop_type: bool = False
                 ) -> tuple[bytes, bytes, bool]:
    """Remove our notes from `cells` (and our author, and with `drop_type` the note shape type
    we added, once unused); return both parts and whether any comment is left."""
    root = parse(comments)
    authors = root.find(q("authors"))
    ours = {str(i) for i, a in enumerate(authors) if a.text == AUTHOR} if authors is not None else set()
    comment_list = root.find(q("commentList"))
    for comment in list(comment_list):
        if comment.get("ref") in cells and comment.get("authorId") in ours:
            comment_list.remove(comment)
    _drop_unused_author(root, authors, ours)
    anchors = {_anchor(cell) for cell in cells}
    kept = _SHAPE.sub(lambda m: b"" if _is_note_at(m.group(0), anchors) else m.group(0), vml)
    if drop_type and b'ObjectType="Note"' not in kept:
        kept = kept.replace(_SHAPETYPE_202, b"", 1)
    return serialise(root, comments), kept, len(comment_list) > 0


def _drop_unused_author(root: etree._Element, authors: etree._Element | None, ours: set[str]) -> None:
    """Our author goes too when it is the last one and no comment uses it any more."""
    if authors is None or not len(authors) or str(len(authors) - 1) not in ours:
        return
    used = {c.get("authorId") for c in root.iter(q("comment"))}
    if str(len(authors) - 1) not in used:
        authors.remove(authors[len(authors) - 1])


def _author_index(root: etree._Element) -> int:
    authors = root.find(q("authors"))
    if authors is None:
        authors = etree.Element(q("authors"))
        root.insert(0, authors)
    for index, author in enumerate(authors):
        if author.text == AUTHOR:
            return index
    etree.SubElement(authors, q("author")).text = AUTHOR
    return len(authors) - 1


def _anchor(cell: str) -> tuple[int, int]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return int(cell[len(letters):]) - 1, column_number(letters) - 1


def _is_note_at(shape: bytes, anchors: set[tuple[int, int]]) -> bool:
    row, col = _ROW.search(shape), _COL.search(shape)
    return (b'ObjectType="Note"' in shape and row is not None and col is not None
            and (int(row.group(1)), int(col.group(1))) in anchors)


def _shape(cell: str, shape_id: int) -> bytes:
    row, col = _anchor(cell)
    anchor = f"{col + 1}, 15, {max(0, row - 1)}, 10, {col + 3}, 15, {row + 3}, 4"
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
        "margin-left:59.25pt;margin-top:1.5pt;width:200pt;height:60pt;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row>"
        f"<x:Column>{col}</x:Column></x:ClientData></v:shape>"
    ).encode()
